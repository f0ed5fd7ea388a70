package io.comq.kernel.cpu;

import io.comq.tensor.Matrix;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code H += X^T X} in float64 with vectors: the batch is taken {@link #ROWS} rows at a time (widened to float64,
 * where products of float32 inputs are exact), and the upper triangle of {@code H} is updated in tiles of four rows by
 * two vectors, the tile staying in registers over the rows. The lower triangle is mirrored at the end.
 */
final class SimdGram {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int DV = D.length();
    private static final int WIDTH = 2 * DV;
    /** Batch rows per pass. */
    static final int ROWS = 64;

    private SimdGram() {
    }

    static void accumulate(ChannelPool pool, Matrix X, double[] H, double[] colSum) {
        int in = X.cols();
        int rows = X.rows();
        if (H.length != in * in) {
            throw new IllegalArgumentException("H has " + H.length + " entries, expected in*in = " + in * in);
        }
        if (colSum != null && colSum.length != in) {
            throw new IllegalArgumentException("colSum has " + colSum.length + " entries, expected " + in);
        }
        double[] x = new double[ROWS * in];
        int tiles = (in + 3) / 4;
        for (int r0 = 0; r0 < rows; r0 += ROWS) {
            int rn = Math.min(ROWS, rows - r0);
            widen(X, r0, rn, x);
            if (colSum != null) {
                for (int r = 0; r < rn; r++) {
                    for (int c = 0; c < in; c++) {
                        colSum[c] += x[r * in + c];
                    }
                }
            }
            pool.forEachIndex(tiles, t -> upperTile(x, rn, in, 4 * t, H));
        }
        for (int i = 0; i < in; i++) {
            for (int k = i + 1; k < in; k++) {
                H[k * in + i] = H[i * in + k];
            }
        }
    }

    private static void widen(Matrix X, int r0, int rn, double[] x) {
        int in = X.cols();
        if (X instanceof Matrix.F32 f) {
            float[] a = f.data();
            for (int t = 0; t < rn * in; t++) {
                x[t] = a[r0 * in + t];
            }
        } else {
            System.arraycopy(((Matrix.F64) X).data(), r0 * in, x, 0, rn * in);
        }
    }

    /** {@code H[i0 .. i0+4, k] += sum_r x[r, i] x[r, k]} for {@code k >= i0}. */
    private static void upperTile(double[] x, int rn, int in, int i0, double[] H) {
        int ni = Math.min(4, in - i0);
        int k = i0;
        if (ni == 4) {
            for (; k + WIDTH <= in; k += WIDTH) {
                DoubleVector a00 = DoubleVector.zero(D);
                DoubleVector a01 = DoubleVector.zero(D);
                DoubleVector a10 = DoubleVector.zero(D);
                DoubleVector a11 = DoubleVector.zero(D);
                DoubleVector a20 = DoubleVector.zero(D);
                DoubleVector a21 = DoubleVector.zero(D);
                DoubleVector a30 = DoubleVector.zero(D);
                DoubleVector a31 = DoubleVector.zero(D);
                for (int r = 0; r < rn; r++) {
                    int o = r * in;
                    DoubleVector v0 = DoubleVector.fromArray(D, x, o + k);
                    DoubleVector v1 = DoubleVector.fromArray(D, x, o + k + DV);
                    DoubleVector s0 = DoubleVector.broadcast(D, x[o + i0]);
                    a00 = v0.fma(s0, a00);
                    a01 = v1.fma(s0, a01);
                    DoubleVector s1 = DoubleVector.broadcast(D, x[o + i0 + 1]);
                    a10 = v0.fma(s1, a10);
                    a11 = v1.fma(s1, a11);
                    DoubleVector s2 = DoubleVector.broadcast(D, x[o + i0 + 2]);
                    a20 = v0.fma(s2, a20);
                    a21 = v1.fma(s2, a21);
                    DoubleVector s3 = DoubleVector.broadcast(D, x[o + i0 + 3]);
                    a30 = v0.fma(s3, a30);
                    a31 = v1.fma(s3, a31);
                }
                addInto(H, i0 * in + k, a00, a01);
                addInto(H, (i0 + 1) * in + k, a10, a11);
                addInto(H, (i0 + 2) * in + k, a20, a21);
                addInto(H, (i0 + 3) * in + k, a30, a31);
            }
        }
        for (int i = i0; i < i0 + ni; i++) {
            for (int kk = k; kk < in; kk++) {
                double s = 0;
                for (int r = 0; r < rn; r++) {
                    s += x[r * in + i] * x[r * in + kk];
                }
                H[i * in + kk] += s;
            }
        }
    }

    private static void addInto(double[] H, int at, DoubleVector a0, DoubleVector a1) {
        DoubleVector.fromArray(D, H, at).add(a0).intoArray(H, at);
        DoubleVector.fromArray(D, H, at + DV).add(a1).intoArray(H, at + DV);
    }
}
