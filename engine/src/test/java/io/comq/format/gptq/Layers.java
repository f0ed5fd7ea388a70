package io.comq.format.gptq;

import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.quant.method.ComqConfig;
import io.comq.tensor.Matrix;
import java.util.Random;

/** Small layers quantized for real with COMQ on the scalar kernel. */
final class Layers {
    private Layers() {
    }

    /** Gaussian weights {@code (in, out)}; with {@code powerOfTwoRange} every channel's max |w| in
     * every block of 32 rows is a power of two, so sym-maxabs scales (per channel or groups of 32) are exact in float16. */
    static Matrix.F64 weights(Random rnd, int in, int out, boolean powerOfTwoRange) {
        double[] w = new double[in * out];
        for (int k = 0; k < w.length; k++) {
            w[k] = rnd.nextGaussian() * 0.05;
        }
        if (powerOfTwoRange) {
            for (int j = 0; j < out; j++) {
                for (int i = 0; i < in; i++) {
                    w[i * out + j] = Math.max(-0.24, Math.min(0.24, w[i * out + j]));
                }
                for (int r0 = 0; r0 < in; r0 += 32) {
                    w[(r0 + j % 32) * out + j] = 0.25; // max |w| = 2^-2 in every column of every 32-row block
                }
            }
        }
        return new Matrix.F64(in, out, w);
    }

    /** {@code H = X^T X} of Gaussian inputs {@code X (4 * in, in)}, plus the mean row. */
    static LayerProblem problem(Random rnd, Matrix.F64 w) {
        int in = w.rows();
        int n = 4 * in;
        double[] x = new double[n * in];
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextGaussian() + 0.1;
        }
        double[] h = new double[in * in];
        double[] mu = new double[in];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < in; i++) {
                mu[i] += x[r * in + i] / n;
                for (int k = 0; k < in; k++) {
                    h[i * in + k] += x[r * in + i] * x[r * in + k];
                }
            }
        }
        return new LayerProblem(w, new Matrix.F64(in, in, h), mu, n);
    }

    static LayerResult comq(LayerProblem p, GridSpec grid, boolean biasCompensation) {
        try (ScalarKernel k = new ScalarKernel(1)) {
            return new LayerQuantizer(k).quantize(p, new LayerConfig(ComqConfig.of(grid), biasCompensation), null);
        }
    }
}
