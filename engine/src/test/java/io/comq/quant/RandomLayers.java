package io.comq.quant;

import io.comq.tensor.Matrix;
import java.util.Random;

/**
 * Seeded random layers with realistic inputs: {@code X} has a few dominant directions, a few outlier channels (large
 * scale) and noise, so {@code H = X^T X} is correlated and badly scaled as in real networks; {@code W} is Gaussian with
 * a few heavy entries.
 */
public final class RandomLayers {
    private RandomLayers() {
    }

    /** Calibration inputs {@code X (n, in)}. */
    public static Matrix.F64 inputs(Random rnd, int n, int in) {
        int dirs = Math.max(1, Math.min(4, in / 4));
        double[][] basis = new double[dirs][in];
        for (double[] b : basis) {
            for (int i = 0; i < in; i++) {
                b[i] = rnd.nextGaussian();
            }
        }
        double[] channelScale = new double[in];
        for (int i = 0; i < in; i++) {
            channelScale[i] = rnd.nextDouble() < 0.05 ? 5 + 10 * rnd.nextDouble() : 0.5 + rnd.nextDouble();
        }
        double[] x = new double[n * in];
        for (int r = 0; r < n; r++) {
            double[] coef = new double[dirs];
            for (int d = 0; d < dirs; d++) {
                coef[d] = rnd.nextGaussian() * (3.0 / (d + 1));
            }
            for (int i = 0; i < in; i++) {
                double v = 0.3 * rnd.nextGaussian() + 0.2;
                for (int d = 0; d < dirs; d++) {
                    v += coef[d] * basis[d][i];
                }
                x[r * in + i] = v * channelScale[i];
            }
        }
        return new Matrix.F64(n, in, x);
    }

    /** Weights {@code W (in, out)}. */
    public static Matrix.F64 weights(Random rnd, int in, int out) {
        double[] w = new double[in * out];
        for (int k = 0; k < w.length; k++) {
            w[k] = rnd.nextGaussian() * 0.1 * (rnd.nextDouble() < 0.02 ? 6 : 1);
        }
        return new Matrix.F64(in, out, w);
    }

    /** {@code X^T X}, naively. */
    public static Matrix.F64 gram(Matrix.F64 X) {
        int in = X.cols();
        double[] h = new double[in * in];
        for (int r = 0; r < X.rows(); r++) {
            for (int i = 0; i < in; i++) {
                double xi = X.data()[r * in + i];
                for (int k = 0; k < in; k++) {
                    h[i * in + k] += xi * X.data()[r * in + k];
                }
            }
        }
        return new Matrix.F64(in, in, h);
    }

    /** Column means of {@code X}. */
    public static double[] mean(Matrix.F64 X) {
        int in = X.cols();
        double[] mu = new double[in];
        for (int r = 0; r < X.rows(); r++) {
            for (int i = 0; i < in; i++) {
                mu[i] += X.data()[r * in + i] / X.rows();
            }
        }
        return mu;
    }

    /** A whole layer problem with {@code n} calibration rows, including the mean row. */
    public static LayerProblem problem(long seed, int n, int in, int out) {
        Random rnd = new Random(seed);
        Matrix.F64 X = inputs(rnd, n, in);
        return new LayerProblem(weights(rnd, in, out), gram(X), mean(X), n);
    }
}
