package io.comq.bench;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A synthetic layer that looks like a transformer linear layer to the quantizer: {@code X = A B + E} with a few
 * latent factors (correlated inputs) and a handful of outlier input channels ten times larger, {@code H = X^T X} by
 * ND4J sgemm, and Gaussian weights with some heavier entries.
 *
 * @param in  input size
 * @param out output channels
 * @param W   the weights, row-major {@code (in, out)}
 * @param H   the Gram matrix, row-major {@code (in, in)}
 */
public record SyntheticLayer(int in, int out, float[] W, float[] H) {

    /** Calibration rows behind {@code H}. */
    public static final int ROWS = 4096;
    private static final int FACTORS = 16;
    private static final int OUTLIER_EVERY = 97;

    /** Generates the layer from {@code seed}. */
    public static SyntheticLayer generate(int in, int out, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = gaussian(rnd, ROWS * FACTORS, 1f);
        float[] b = gaussian(rnd, FACTORS * in, 0.5f);
        float[] x = gaussian(rnd, ROWS * in, 1f);
        try (INDArray xa = Nd4j.create(x, new long[] {ROWS, in}, 'c');
             INDArray aa = Nd4j.create(a, new long[] {ROWS, FACTORS}, 'c');
             INDArray ba = Nd4j.create(b, new long[] {FACTORS, in}, 'c')) {
            Nd4j.gemm(aa, ba, xa, false, false, 1.0, 1.0);
            for (int i = 3; i < in; i += OUTLIER_EVERY) {
                xa.getColumn(i).muli(10);
            }
            try (INDArray h = Nd4j.gemm(xa, xa, true, false)) {
                float[] hf = h.castTo(DataType.FLOAT).dup('c').data().asFloat();
                float[] w = gaussian(rnd, in * out, 0.02f);
                for (int t = 0; t < w.length; t += 211) {
                    w[t] *= 5;
                }
                return new SyntheticLayer(in, out, w, hf);
            }
        }
    }

    private static float[] gaussian(SplittableRandom rnd, int n, float sd) {
        float[] v = new float[n];
        for (int t = 0; t < n; t += 2) {
            // Box-Muller, two values per pair of uniforms
            double u = 1.0 - rnd.nextDouble();
            double r = Math.sqrt(-2 * Math.log(u)) * sd;
            double phi = 2 * Math.PI * rnd.nextDouble();
            v[t] = (float) (r * Math.cos(phi));
            if (t + 1 < n) {
                v[t + 1] = (float) (r * Math.sin(phi));
            }
        }
        return v;
    }

    /** Bytes of {@code W} plus {@code H} in float32: the unit of the peak-heap target. */
    public long bytesWH() {
        return 4L * ((long) in * out + (long) in * in);
    }

    /** {@code W} channel-major ({@code W[j * in + i]}), as the kernels store it. */
    public float[] channelMajorW() {
        float[] c = new float[W.length];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                c[j * in + i] = W[i * out + j];
            }
        }
        return c;
    }
}
