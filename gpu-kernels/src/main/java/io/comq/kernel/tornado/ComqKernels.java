package io.comq.kernel.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The COMQ kernels as TornadoVM {@link KernelContext} kernels, names as in COMQ.md: {@code H (in, in)} the Gram matrix,
 * {@code W}, {@code Q}, {@code Z}, {@code G = H (W - Q)} channel-major ({@code [j * in + i]}), {@code scale},
 * {@code lo}, {@code hi} per (channel, group) ({@code [j * groups + i / rowsPerGroup]}).
 *
 * <p>Launch contract: every kernel but {@link #gram} and {@link #greedyKeys} runs one work-group per output channel,
 * local size {@code L} at most {@link #MAX_LOCAL}, global size {@code channels * L};
 * {@link #gram} runs {@link #TILE} x {@link #TILE} work-groups over {@code H}. {@link Launch} is the one place that
 * builds those grids. Work-items read their ids first and leave early when out of range.
 *
 * <p>The layer kernels share one task graph (see {@link LayerPlan}) and read the operation to run from
 * {@code control[OP]}, so that the layer's buffers stay on the device across calls: a kernel whose operation is not
 * asked returns at once. Scalar arguments (sizes) are compiled into the kernel as constants.
 *
 * <p>Called as plain Java a {@link KernelContext} kernel computes work-item 0 only: these methods are meant for the
 * device.
 */
public final class ComqKernels {

    /** Capacity (floats) of the local copy of a channel's {@code G} column; wider inputs use {@link #sweepGlobal}. */
    public static final int G_LOCAL_CAPACITY = 8192;
    /** Largest work-group of the per-channel kernels (size of their local reduction buffers). */
    public static final int MAX_LOCAL = 256;
    /** Side of the square work-group and of the local tiles of {@link #gram}. */
    public static final int TILE = 16;

    /** Index of the operation in {@code control}. */
    public static final int OP = 0;
    /** Index of the order flag in {@code control}: 1 cyclic ({@code i = k}), 0 the greedy order in {@code order}. */
    public static final int CYCLIC = 1;
    /** Index of the tie rule in {@code control}: one of the {@code TIE_*} codes. */
    public static final int TIE = 2;
    /** Length of {@code control}. */
    public static final int CONTROL_LENGTH = 3;

    /** Operations of the layer graph. */
    public static final int OP_ORDER = 1;
    public static final int OP_GRADIENT = 2;
    public static final int OP_SWEEP = 3;
    public static final int OP_SCALES = 4;
    public static final int OP_RESIDUAL = 5;

    /** Tie rules of {@link io.comq.numeric.TieRule}, as the kernels know them. */
    public static final int TIE_HALF_EVEN = 0;
    public static final int TIE_HALF_AWAY = 1;
    public static final int TIE_HALF_UP = 2;
    public static final int TIE_HALF_DOWN = 3;

    private ComqKernels() {
    }

    /**
     * Greedy order keys {@code key_ij = sqrt(H_ii) * |W_ij|} in float64 (as the CPU reference). Launch: global
     * {@code in * out} (any local size).
     */
    public static void greedyKeys(KernelContext c, FloatArray H, FloatArray W, DoubleArray keys, int in, int out) {
        int idx = c.globalIdx;
        if (idx >= in * out) {
            return;
        }
        int i = idx % in;
        keys.set(idx, TornadoMath.sqrt((double) H.get(i * in + i)) * TornadoMath.abs((double) W.get(idx)));
    }

    /**
     * Greedy order from the keys: {@code order[j * in + rank] = i} where {@code rank} counts the inputs ahead of
     * {@code i}, those with a larger key or an equal key and a lower index (a stable descending sort). One work-group
     * per channel.
     */
    public static void greedyRanks(KernelContext c, IntArray control, DoubleArray keys, IntArray order, int in) {
        if (control.get(OP) != OP_ORDER) {
            return;
        }
        int base = c.groupIdx * in;
        for (int i = c.localIdx; i < in; i += c.localGroupSizeX) {
            double key = keys.get(base + i);
            int rank = 0;
            for (int k = 0; k < in; k++) {
                double other = keys.get(base + k);
                if (other > key || (other == key && k < i)) {
                    rank++;
                }
            }
            order.set(base + rank, i);
        }
    }

    /**
     * {@code G[:, j] = H (W - Q)[:, j]}; row {@code r} of the result reads column {@code r} of {@code H}, which is row
     * {@code r} (H is symmetric), so neighbouring work-items read neighbouring floats. One work-group per channel.
     */
    public static void gradient(KernelContext c, IntArray control, FloatArray H, FloatArray W, FloatArray Q,
                                FloatArray G, int in) {
        if (control.get(OP) != OP_GRADIENT) {
            return;
        }
        int base = c.groupIdx * in;
        for (int r = c.localIdx; r < in; r += c.localGroupSizeX) {
            float g = 0f;
            for (int i = 0; i < in; i++) {
                float d = W.get(base + i) - Q.get(base + i);
                if (d != 0f) {
                    g += H.get(i * in + r) * d;
                }
            }
            G.set(base + r, g);
        }
    }

    /**
     * One COMQ sweep of channel {@code j = group id}, its {@code G} column held in local memory. For each visited
     * {@code i}: {@code t = Q_ij + G_ij / H_ii} ({@code W_ij} where {@code H_ii = 0}),
     * {@code z = clip(round(t / scale), lo, hi)}, {@code G[:, j] += H[:, i] (Q_ij - scale z)}, skipped where the value
     * did not change. Every work-item computes the same {@code z} from the same data, then updates the rows of
     * {@code G} it owns ({@code r = lid, lid + L, ...}); one barrier per coordinate publishes the update. The one entry
     * every work-item reads, {@code G_ij} (and {@code Q_ij}), are not written during their own coordinate: the owner
     * holds the term back and adds it during the next coordinate, which reads other entries (a sweep visits each
     * {@code i} once), so the sum is the same, in the same order, as the sequential update. {@code changed[j]} gets the number of changed
     * coordinates. Requires {@code in <= G_LOCAL_CAPACITY}.
     */
    public static void sweepLocal(KernelContext c, IntArray control, FloatArray H, FloatArray W, FloatArray Q,
                                  IntArray Z, FloatArray G, FloatArray scale, IntArray lo, IntArray hi, IntArray order,
                                  IntArray changed, int in, int groups, int rowsPerGroup) {
        if (control.get(OP) != OP_SWEEP) {
            return;
        }
        float[] g = c.allocateFloatLocalArray(G_LOCAL_CAPACITY);
        int j = c.groupIdx;
        int lid = c.localIdx;
        int L = c.localGroupSizeX;
        int base = j * in;
        boolean cyclic = control.get(CYCLIC) == 1;
        int tie = control.get(TIE);
        for (int r = lid; r < in; r += L) {
            g[r] = G.get(base + r);
        }
        c.localBarrier();
        int count = 0;
        int heldAt = -1;
        float held = 0f;
        int qAt = -1;
        float qHeld = 0f;
        for (int k = 0; k < in; k++) {
            int i = cyclic ? k : order.get(base + k);
            int idx = base + i;
            int gi = j * groups + i / rowsPerGroup;
            float hii = H.get(i * in + i);
            float qOld = Q.get(idx);
            float t = hii == 0f ? W.get(idx) : qOld + g[i] / hii;           // t = Q_ij + G_ij / H_ii
            float s = scale.get(gi);
            int z = code(t / s, lo.get(gi), hi.get(gi), tie);                 // z = clip(round(t / scale), lo, hi)
            float q = s * z;
            float d = qOld - q;
            if (heldAt >= 0) {
                g[heldAt] += held;                                            // previous coordinate's own term
                heldAt = -1;
            }
            if (qAt >= 0) {
                Q.set(qAt, qHeld);                                            // previous coordinate's Q_ij
                qAt = -1;
            }
            if (d != 0f) {
                int h = i * in;
                for (int r = lid; r < in; r += L) {
                    float delta = H.get(h + r) * d;                           // G[:, j] += H[:, i] (Q_ij - q)
                    if (r == i) {
                        heldAt = i;
                        held = delta;
                    } else {
                        g[r] += delta;
                    }
                }
                if (lid == 0) {
                    qAt = idx;
                    qHeld = q;
                    count++;
                }
            }
            if (lid == 0) {
                Z.set(idx, z);
            }
            c.localBarrier();
        }
        if (heldAt >= 0) {
            g[heldAt] += held;
        }
        if (qAt >= 0) {
            Q.set(qAt, qHeld);
        }
        c.localBarrier();
        for (int r = lid; r < in; r += L) {
            G.set(base + r, g[r]);
        }
        if (lid == 0) {
            changed.set(j, count);
        }
    }

    /**
     * {@link #sweepLocal} for inputs wider than {@link #G_LOCAL_CAPACITY}: the same steps on the {@code G} column in
     * global memory, with global-memory barriers.
     */
    public static void sweepGlobal(KernelContext c, IntArray control, FloatArray H, FloatArray W, FloatArray Q,
                                   IntArray Z, FloatArray G, FloatArray scale, IntArray lo, IntArray hi,
                                   IntArray order, IntArray changed, int in, int groups, int rowsPerGroup) {
        if (control.get(OP) != OP_SWEEP) {
            return;
        }
        int j = c.groupIdx;
        int lid = c.localIdx;
        int L = c.localGroupSizeX;
        int base = j * in;
        boolean cyclic = control.get(CYCLIC) == 1;
        int tie = control.get(TIE);
        int count = 0;
        int heldAt = -1;
        float held = 0f;
        int qAt = -1;
        float qHeld = 0f;
        for (int k = 0; k < in; k++) {
            int i = cyclic ? k : order.get(base + k);
            int idx = base + i;
            int gi = j * groups + i / rowsPerGroup;
            float hii = H.get(i * in + i);
            float qOld = Q.get(idx);
            float t = hii == 0f ? W.get(idx) : qOld + G.get(idx) / hii;      // t = Q_ij + G_ij / H_ii
            float s = scale.get(gi);
            int z = code(t / s, lo.get(gi), hi.get(gi), tie);                 // z = clip(round(t / scale), lo, hi)
            float q = s * z;
            float d = qOld - q;
            if (heldAt >= 0) {
                G.set(base + heldAt, G.get(base + heldAt) + held);           // previous coordinate's own term
                heldAt = -1;
            }
            if (qAt >= 0) {
                Q.set(qAt, qHeld);                                            // previous coordinate's Q_ij
                qAt = -1;
            }
            if (d != 0f) {
                int h = i * in;
                for (int r = lid; r < in; r += L) {
                    float delta = H.get(h + r) * d;                           // G[:, j] += H[:, i] (Q_ij - q)
                    if (r == i) {
                        heldAt = i;
                        held = delta;
                    } else {
                        G.set(base + r, G.get(base + r) + delta);
                    }
                }
                if (lid == 0) {
                    qAt = idx;
                    qHeld = q;
                    count++;
                }
            }
            if (lid == 0) {
                Z.set(idx, z);
            }
            c.globalBarrier();
        }
        if (heldAt >= 0) {
            G.set(base + heldAt, G.get(base + heldAt) + held);
        }
        if (qAt >= 0) {
            Q.set(qAt, qHeld);
        }
        if (lid == 0) {
            changed.set(j, count);
        }
    }

    /**
     * Least-squares scales of channel {@code j = group id} with the codes fixed, one group after the other (as the CPU
     * reference): {@code scale <- scale + z_g^T G_g / (z_g^T H_gg z_g)} (which is
     * {@code z_g^T (H (w - q_{-g}))_g / z_g^T H_gg z_g}), left alone where the denominator is 0; then
     * {@code q_g = scale z_g} and {@code G[:, j] += H[:, g] (q_g,old - q_g)} before the next group reads {@code G}.
     * One work-group per channel.
     */
    public static void scaleStep(KernelContext c, IntArray control, FloatArray H, FloatArray Q, IntArray Z,
                                 FloatArray G, FloatArray scale, int in, int groups, int rowsPerGroup) {
        if (control.get(OP) != OP_SCALES) {
            return;
        }
        double[] num = c.allocateDoubleLocalArray(MAX_LOCAL);
        double[] den = c.allocateDoubleLocalArray(MAX_LOCAL);
        int j = c.groupIdx;
        int lid = c.localIdx;
        int L = c.localGroupSizeX;
        int base = j * in;
        for (int g = 0; g < groups; g++) {
            int r0 = g * rowsPerGroup;
            int gi = j * groups + g;
            double n = 0;
            double d = 0;
            for (int a = r0 + lid; a < r0 + rowsPerGroup; a += L) {
                int za = Z.get(base + a);
                if (za != 0) {
                    n += za * (double) G.get(base + a);                       // z_g^T G_g
                    double hz = 0;
                    for (int b = r0; b < r0 + rowsPerGroup; b++) {
                        hz += H.get(a * in + b) * (double) Z.get(base + b);
                    }
                    d += za * hz;                                             // z_g^T H_gg z_g
                }
            }
            num[lid] = n;
            den[lid] = d;
            for (int stride = L / 2; stride > 0; stride /= 2) {
                c.localBarrier();
                if (lid < stride) {
                    num[lid] += num[lid + stride];
                    den[lid] += den[lid + stride];
                }
            }
            c.localBarrier();
            if (den[0] != 0) {
                float s = (float) (scale.get(gi) + num[0] / den[0]);
                for (int a = r0; a < r0 + rowsPerGroup; a++) {
                    float dq = Q.get(base + a) - s * Z.get(base + a);
                    if (dq != 0f) {
                        for (int r = lid; r < in; r += L) {
                            G.set(base + r, G.get(base + r) + H.get(a * in + r) * dq); // G += H[:, a] (q_a,old - q_a)
                        }
                    }
                }
                c.globalBarrier();                                            // every work-item has read Q and scale
                for (int a = r0 + lid; a < r0 + rowsPerGroup; a += L) {
                    Q.set(base + a, s * Z.get(base + a));
                }
                if (lid == 0) {
                    scale.set(gi, s);
                }
            }
            c.globalBarrier();                                                // G, Q, scale current for group g + 1
        }
    }

    /** Per-channel error {@code err_j = (w_j - q_j)^T G_j} in float64. One work-group per channel. */
    public static void residual(KernelContext c, IntArray control, FloatArray W, FloatArray Q, FloatArray G,
                                DoubleArray err, int in) {
        if (control.get(OP) != OP_RESIDUAL) {
            return;
        }
        double[] part = c.allocateDoubleLocalArray(MAX_LOCAL);
        int lid = c.localIdx;
        int L = c.localGroupSizeX;
        int base = c.groupIdx * in;
        double e = 0;
        for (int i = lid; i < in; i += L) {
            e += ((double) W.get(base + i) - Q.get(base + i)) * G.get(base + i);
        }
        part[lid] = e;
        for (int stride = L / 2; stride > 0; stride /= 2) {
            c.localBarrier();
            if (lid < stride) {
                part[lid] += part[lid + stride];
            }
        }
        if (lid == 0) {
            err.set(c.groupIdx, part[0]);
        }
    }

    /**
     * One calibration batch into the Gram matrix, tiled: {@code H[i, k] += sum_r X[r, i] X[r, k]} in float64. Work-item
     * {@code (x, y)} owns {@code H[y, x]}; each step loads a {@code TILE x TILE} block of the columns {@code i} and of
     * the columns {@code k} of {@code TILE} rows of {@code X} into local memory. Launch: 2-D, global sizes
     * {@code in} rounded up to {@code TILE}, local {@code TILE x TILE}.
     */
    public static void gram(KernelContext c, DoubleArray X, DoubleArray H, int rows, int in) {
        double[] xi = c.allocateDoubleLocalArray(TILE * TILE);
        double[] xk = c.allocateDoubleLocalArray(TILE * TILE);
        int lx = c.localIdx;
        int ly = c.localIdy;
        int k = c.groupIdx * TILE + lx;
        int i = c.groupIdy * TILE + ly;
        int i0 = c.groupIdy * TILE;
        double acc = 0;
        for (int r0 = 0; r0 < rows; r0 += TILE) {
            int r = r0 + ly;
            xk[ly * TILE + lx] = r < rows && k < in ? X.get(r * in + k) : 0;
            xi[ly * TILE + lx] = r < rows && i0 + lx < in ? X.get(r * in + i0 + lx) : 0;
            c.localBarrier();
            for (int t = 0; t < TILE; t++) {
                acc += xi[t * TILE + ly] * xk[t * TILE + lx];                  // X[r, i] X[r, k]
            }
            c.localBarrier();
        }
        if (i < in && k < in) {
            H.set(i * in + k, H.get(i * in + k) + acc);
        }
    }

    /** {@code clip(round(x), lo, hi)} with tie rule {@code tie} (floor-based: {@code Math.rint} does not compile). */
    private static int code(float x, int lo, int hi, int tie) {
        float rounded = round(x, tie);
        return rounded < lo ? lo : rounded > hi ? hi : (int) rounded;
    }

    /** {@link io.comq.numeric.TieRule#round(float)} for the rule coded {@code tie} ({@code TIE_*}), in the same float steps. */
    private static float round(float x, int tie) {
        if (tie == TIE_HALF_EVEN) {
            float f = TornadoMath.floor(x);
            float frac = x - f;
            if (frac > 0.5f) {
                return f + 1f;
            }
            if (frac < 0.5f) {
                return f;
            }
            float half = f * 0.5f;
            return half == TornadoMath.floor(half) ? f : f + 1f;
        }
        if (tie == TIE_HALF_AWAY) {
            float m = TornadoMath.floor(TornadoMath.abs(x) + 0.5f);
            return x > 0f ? m : x < 0f ? -m : 0f;
        }
        if (tie == TIE_HALF_UP) {
            return TornadoMath.floor(x + 0.5f);
        }
        return -TornadoMath.floor(-(x - 0.5f));                              // half-down: ceil(x - 0.5)
    }
}
