package io.comq.kernel.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked float32 micro-kernels that every heavy operation of {@link SimdKernel} reduces to: adding a
 * combination of rows of {@code H} to rows of {@code G}, one column panel {@code [r, r + PANEL)} at a time:
 * <pre>
 *   G[j, r .. r+PANEL) += sum_t  A[j, t] * H[rows[t], r .. r+PANEL)
 * </pre>
 * By the symmetry of {@code H}, {@code H[rows[t], r..]} is a contiguous piece of row {@code rows[t]}. Callers loop over
 * column panels outside and channels inside, so that the rows of {@code H} they touch stay in cache across channels.
 * All arrays are flat and indexed as {@code Layout} says: {@code G[j * in + r]}, {@code H[i * in + r]}.
 */
final class SimdPanels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int V = F.length();
    /** Columns of {@code G} one micro-kernel call updates: two vectors. */
    static final int PANEL = 2 * V;

    private SimdPanels() {
    }

    /** Start of the scalar tail: the largest multiple of {@link #PANEL} not above {@code in}. */
    static int panelEnd(int in) {
        return in - in % PANEL;
    }

    /**
     * Four channels at once, dense coefficients: {@code G[g_c + r ..] += sum_t A[a_c + b_t] * H[(row0 + b_t) * in + r ..]}, {@code b_t = idx[iOff + t]},
     * for {@code c = 0..3}, {@code g_c = g + c * in}, {@code a_c = a + c * aStride}.
     *
     * @param idx positions (into the coefficient rows and relative to {@code row0}) of the rows to add:
     *            {@code idx[iOff .. iOff + n)}
     */
    static void add4(float[] H, int in, int row0, int[] idx, int iOff, int n, float[] A, int a, int aStride, float[] G, int g,
                     int r) {
        int g0 = g + r;
        int g1 = g0 + in;
        int g2 = g1 + in;
        int g3 = g2 + in;
        FloatVector c00 = FloatVector.fromArray(F, G, g0);
        FloatVector c01 = FloatVector.fromArray(F, G, g0 + V);
        FloatVector c10 = FloatVector.fromArray(F, G, g1);
        FloatVector c11 = FloatVector.fromArray(F, G, g1 + V);
        FloatVector c20 = FloatVector.fromArray(F, G, g2);
        FloatVector c21 = FloatVector.fromArray(F, G, g2 + V);
        FloatVector c30 = FloatVector.fromArray(F, G, g3);
        FloatVector c31 = FloatVector.fromArray(F, G, g3 + V);
        int a0 = a;
        int a1 = a0 + aStride;
        int a2 = a1 + aStride;
        int a3 = a2 + aStride;
        for (int t = 0; t < n; t++) {
            int b = idx[iOff + t];
            int h = (row0 + b) * in + r;
            FloatVector h0 = FloatVector.fromArray(F, H, h);
            FloatVector h1 = FloatVector.fromArray(F, H, h + V);
            FloatVector s0 = FloatVector.broadcast(F, A[a0 + b]);
            c00 = h0.fma(s0, c00);
            c01 = h1.fma(s0, c01);
            FloatVector s1 = FloatVector.broadcast(F, A[a1 + b]);
            c10 = h0.fma(s1, c10);
            c11 = h1.fma(s1, c11);
            FloatVector s2 = FloatVector.broadcast(F, A[a2 + b]);
            c20 = h0.fma(s2, c20);
            c21 = h1.fma(s2, c21);
            FloatVector s3 = FloatVector.broadcast(F, A[a3 + b]);
            c30 = h0.fma(s3, c30);
            c31 = h1.fma(s3, c31);
        }
        c00.intoArray(G, g0);
        c01.intoArray(G, g0 + V);
        c10.intoArray(G, g1);
        c11.intoArray(G, g1 + V);
        c20.intoArray(G, g2);
        c21.intoArray(G, g2 + V);
        c30.intoArray(G, g3);
        c31.intoArray(G, g3 + V);
    }

    /**
     * One channel, sparse rows: {@code G[g + r ..] += sum_{t < n} d[dOff + t] * H[rows[rOff + t] * in + r ..]}. Two
     * interleaved accumulator pairs hide the FMA latency.
     */
    static void add1(float[] H, int in, int[] rows, int rOff, float[] d, int dOff, int n, float[] G, int g, int r) {
        int gi = g + r;
        FloatVector c0 = FloatVector.fromArray(F, G, gi);
        FloatVector c1 = FloatVector.fromArray(F, G, gi + V);
        FloatVector e0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        int t = 0;
        for (; t + 1 < n; t += 2) {
            int h = rows[rOff + t] * in + r;
            int k = rows[rOff + t + 1] * in + r;
            FloatVector s = FloatVector.broadcast(F, d[dOff + t]);
            FloatVector u = FloatVector.broadcast(F, d[dOff + t + 1]);
            c0 = FloatVector.fromArray(F, H, h).fma(s, c0);
            c1 = FloatVector.fromArray(F, H, h + V).fma(s, c1);
            e0 = FloatVector.fromArray(F, H, k).fma(u, e0);
            e1 = FloatVector.fromArray(F, H, k + V).fma(u, e1);
        }
        if (t < n) {
            int h = rows[rOff + t] * in + r;
            FloatVector s = FloatVector.broadcast(F, d[dOff + t]);
            c0 = FloatVector.fromArray(F, H, h).fma(s, c0);
            c1 = FloatVector.fromArray(F, H, h + V).fma(s, c1);
        }
        c0.add(e0).intoArray(G, gi);
        c1.add(e1).intoArray(G, gi + V);
    }

    /**
     * {@link #add1} on a column panel of {@code H} copied by {@link #copyPanel}, whose rows are contiguous,
     * {@code PANEL} floats each: {@code G[g ..] += sum_t d[dOff + t] * Hp[rows[rOff + t] * PANEL ..]}.
     */
    static void add1Packed(float[] Hp, int[] rows, int rOff, float[] d, int dOff, int n, float[] G, int g) {
        FloatVector a0 = FloatVector.fromArray(F, G, g);
        FloatVector a1 = FloatVector.fromArray(F, G, g + V);
        FloatVector b0 = FloatVector.zero(F);
        FloatVector b1 = FloatVector.zero(F);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = FloatVector.zero(F);
        FloatVector e0 = FloatVector.zero(F);
        FloatVector e1 = FloatVector.zero(F);
        int t = 0;
        for (; t + 3 < n; t += 4) {
            int ha = rows[rOff + t] * PANEL;
            int hb = rows[rOff + t + 1] * PANEL;
            int hc = rows[rOff + t + 2] * PANEL;
            int he = rows[rOff + t + 3] * PANEL;
            FloatVector sa = FloatVector.broadcast(F, d[dOff + t]);
            FloatVector sb = FloatVector.broadcast(F, d[dOff + t + 1]);
            FloatVector sc = FloatVector.broadcast(F, d[dOff + t + 2]);
            FloatVector se = FloatVector.broadcast(F, d[dOff + t + 3]);
            a0 = FloatVector.fromArray(F, Hp, ha).fma(sa, a0);
            a1 = FloatVector.fromArray(F, Hp, ha + V).fma(sa, a1);
            b0 = FloatVector.fromArray(F, Hp, hb).fma(sb, b0);
            b1 = FloatVector.fromArray(F, Hp, hb + V).fma(sb, b1);
            c0 = FloatVector.fromArray(F, Hp, hc).fma(sc, c0);
            c1 = FloatVector.fromArray(F, Hp, hc + V).fma(sc, c1);
            e0 = FloatVector.fromArray(F, Hp, he).fma(se, e0);
            e1 = FloatVector.fromArray(F, Hp, he + V).fma(se, e1);
        }
        for (; t < n; t++) {
            int h = rows[rOff + t] * PANEL;
            FloatVector s = FloatVector.broadcast(F, d[dOff + t]);
            a0 = FloatVector.fromArray(F, Hp, h).fma(s, a0);
            a1 = FloatVector.fromArray(F, Hp, h + V).fma(s, a1);
        }
        a0.add(b0).add(c0.add(e0)).intoArray(G, g);
        a1.add(b1).add(c1.add(e1)).intoArray(G, g + V);
    }

    /** Copies the column panel {@code H[:, r .. r + PANEL)} into {@code Hp}, row after row, {@code PANEL} floats each. */
    static void copyPanel(float[] H, int in, int r, float[] Hp) {
        for (int row = 0, h = r, p = 0; row < in; row++, h += in, p += PANEL) {
            FloatVector.fromArray(F, H, h).intoArray(Hp, p);
            FloatVector.fromArray(F, H, h + V).intoArray(Hp, p + V);
        }
    }

    /** Scalar tail of {@link #add1}: columns {@code [r0, in)}. */
    static void add1Tail(float[] H, int in, int[] rows, int rOff, float[] d, int dOff, int n, float[] G, int g, int r0) {
        for (int t = 0; t < n; t++) {
            int h = rows[rOff + t] * in;
            float s = d[dOff + t];
            for (int r = r0; r < in; r++) {
                G[g + r] += s * H[h + r];
            }
        }
    }

    /** {@code sum_{t < n} x[xo + t] * y[yo + t]} in float32 with vectors. */
    static float dot(float[] x, int xo, float[] y, int yo, int n) {
        int t = 0;
        float s = 0f;
        if (n >= V) {
            FloatVector acc = FloatVector.zero(F);
            for (; t + V <= n; t += V) {
                acc = FloatVector.fromArray(F, x, xo + t).fma(FloatVector.fromArray(F, y, yo + t), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; t < n; t++) {
            s += x[xo + t] * y[yo + t];
        }
        return s;
    }

    /**
     * {@code y[yo ..] += a * x[xo ..]} over {@code n} elements rounded up to whole vectors where {@code x} has them:
     * the caller gives {@code y} room for {@code V - 1} more elements and ignores them.
     */
    static void axpyWhole(float a, float[] x, int xo, float[] y, int yo, int n) {
        int whole = Math.min((n + V - 1) / V * V, (x.length - xo) / V * V);
        FloatVector s = FloatVector.broadcast(F, a);
        int t = 0;
        for (; t < whole; t += V) {
            FloatVector.fromArray(F, x, xo + t).fma(s, FloatVector.fromArray(F, y, yo + t)).intoArray(y, yo + t);
        }
        for (; t < n; t++) {
            y[yo + t] += a * x[xo + t];
        }
    }

    /**
     * {@code G[g + c] += sum_{t < n} d[t] * H[rows[t] + c]} for {@code c < len}: up to four rows of {@code H} in one
     * pass over {@code G} ({@code rows} are offsets of row starts).
     */
    static void addRows(float[] H, int[] rows, float[] d, int n, float[] G, int g, int len) {
        if (n == 4) {
            int r0 = rows[0];
            int r1 = rows[1];
            int r2 = rows[2];
            int r3 = rows[3];
            FloatVector s0 = FloatVector.broadcast(F, d[0]);
            FloatVector s1 = FloatVector.broadcast(F, d[1]);
            FloatVector s2 = FloatVector.broadcast(F, d[2]);
            FloatVector s3 = FloatVector.broadcast(F, d[3]);
            int c = 0;
            for (; c + V <= len; c += V) {
                FloatVector a = FloatVector.fromArray(F, G, g + c);
                a = FloatVector.fromArray(F, H, r0 + c).fma(s0, a);
                a = FloatVector.fromArray(F, H, r1 + c).fma(s1, a);
                a = FloatVector.fromArray(F, H, r2 + c).fma(s2, a);
                a = FloatVector.fromArray(F, H, r3 + c).fma(s3, a);
                a.intoArray(G, g + c);
            }
            for (; c < len; c++) {
                G[g + c] += d[0] * H[r0 + c] + d[1] * H[r1 + c] + d[2] * H[r2 + c] + d[3] * H[r3 + c];
            }
            return;
        }
        for (int t = 0; t < n; t++) {
            axpy(d[t], H, rows[t], G, g, len);
        }
    }

    /** {@code y[yo ..] += a * x[xo ..]} over {@code n} elements. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int t = 0;
        FloatVector s = FloatVector.broadcast(F, a);
        for (; t + V <= n; t += V) {
            FloatVector.fromArray(F, x, xo + t).fma(s, FloatVector.fromArray(F, y, yo + t)).intoArray(y, yo + t);
        }
        for (; t < n; t++) {
            y[yo + t] += a * x[xo + t];
        }
    }
}
