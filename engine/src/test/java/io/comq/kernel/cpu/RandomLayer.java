package io.comq.kernel.cpu;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.quant.Grid;
import io.comq.numeric.TieRule;
import java.util.Random;

/**
 * Seeded random layers for kernel tests: correlated calibration rows with a few outlier inputs, {@code H = X^T X}
 * (float64, then float32), Gaussian weights, and grids built per COMQ.md. Dead inputs have an all-zero column of X.
 *
 * @param layout the shapes
 * @param H64    the Gram matrix in float64
 * @param W      weights channel-major ({@code W[j * in + i]})
 * @param scale  per (channel, group)
 * @param lo     per (channel, group)
 * @param hi     per (channel, group)
 */
record RandomLayer(Layout layout, double[] H64, float[] W, float[] scale, int[] lo, int[] hi) {

    static RandomLayer create(long seed, int in, int out, int rowsPerGroup, Grid grid, int bits, int... deadInputs) {
        Random rnd = new Random(seed);
        Layout l = new Layout(in, out, rowsPerGroup);
        int n = 2 * in + 16;
        double[] x = new double[n * in];
        double[] mix = new double[in];
        for (int i = 0; i < in; i++) {
            mix[i] = rnd.nextGaussian() * 0.5;
        }
        for (int r = 0; r < n; r++) {
            double common = rnd.nextGaussian();
            for (int i = 0; i < in; i++) {
                double outlier = i % 17 == 3 ? 6.0 : 1.0;
                x[r * in + i] = outlier * (rnd.nextGaussian() + mix[i] * common);
            }
        }
        for (int d : deadInputs) {
            for (int r = 0; r < n; r++) {
                x[r * in + d] = 0;
            }
        }
        double[] h = new double[in * in];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < in; i++) {
                double xi = x[r * in + i];
                for (int k = 0; k < in; k++) {
                    h[i * in + k] += xi * x[r * in + k];
                }
            }
        }
        float[] w = new float[in * out];
        for (int t = 0; t < w.length; t++) {
            w[t] = (float) (rnd.nextGaussian() * 0.05);
        }
        int cells = out * l.groups();
        float[] scale = new float[cells];
        int[] lo = new int[cells];
        int[] hi = new int[cells];
        for (int j = 0; j < out; j++) {
            for (int a0 = 0; a0 < in; a0 += rowsPerGroup) {
                int g = l.grid(j, a0);
                float max = Float.NEGATIVE_INFINITY;
                float min = Float.POSITIVE_INFINITY;
                for (int i = a0; i < a0 + rowsPerGroup; i++) {
                    max = Math.max(max, w[l.at(j, i)]);
                    min = Math.min(min, w[l.at(j, i)]);
                }
                float maxAbs = Math.max(Math.abs(max), Math.abs(min));
                int half = 1 << (bits - 1);
                switch (grid) {
                    case SYM_MAXABS -> {
                        scale[g] = maxAbs / half;
                        lo[g] = -half;
                        hi[g] = half - 1;
                    }
                    case SYM_RESTRICTED -> {
                        scale[g] = maxAbs / (half - 1);
                        lo[g] = -(half - 1);
                        hi[g] = half - 1;
                    }
                    case ASYM_MINMAX -> {
                        scale[g] = (max - min) / ((1 << bits) - 1);
                        lo[g] = (int) Math.rint(min / scale[g]);
                        hi[g] = lo[g] + (1 << bits) - 1;
                    }
                    default -> throw new IllegalArgumentException(grid.toString());
                }
            }
        }
        return new RandomLayer(l, h, w, scale, lo, hi);
    }

    float[] H32() {
        float[] f = new float[H64.length];
        for (int t = 0; t < f.length; t++) {
            f[t] = (float) H64[t];
        }
        return f;
    }

    /** A fresh float32 state with init fp ({@code Q = W}, {@code G = 0}, codes 0). */
    SweepState.F32 state(TieRule tie) {
        return new SweepState.F32(layout, tie, H32(), W.clone(), W.clone(), new int[W.length], new float[W.length],
                scale.clone(), lo.clone(), hi.clone());
    }

    /** {@code tr((W-Q)^T H (W-Q)) / tr(W^T H W)} in float64. */
    double relError(float[] Q) {
        return quadratic(Q) / quadratic(new float[Q.length]);
    }

    private double quadratic(float[] Q) {
        int in = layout.in();
        double total = 0;
        double[] e = new double[in];
        for (int j = 0; j < layout.out(); j++) {
            for (int i = 0; i < in; i++) {
                e[i] = (double) W[layout.at(j, i)] - Q[layout.at(j, i)];
            }
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int k = 0; k < in; k++) {
                    s += H64[i * in + k] * e[k];
                }
                total += e[i] * s;
            }
        }
        return total;
    }

    /** {@code H (W - Q)} in float64, channel-major. */
    double[] gradient(float[] H, float[] Q) {
        int in = layout.in();
        double[] g = new double[Q.length];
        for (int j = 0; j < layout.out(); j++) {
            for (int r = 0; r < in; r++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += (double) H[r * in + i] * ((double) W[layout.at(j, i)] - Q[layout.at(j, i)]);
                }
                g[layout.at(j, r)] = s;
            }
        }
        return g;
    }
}
