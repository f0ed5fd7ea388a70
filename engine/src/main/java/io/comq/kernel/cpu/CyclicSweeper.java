package io.comq.kernel.cpu;

import io.comq.kernel.SweepState;
import io.comq.numeric.TieRule;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The cyclic-order sweep: every channel visits the inputs in order {@code 0 .. in-1}, so a block's steps are the same
 * for all channels. Blocks visit {@code V} channels at once, one per vector lane ({@link #visitCyclicLanes}), correct
 * later steps eagerly with contiguous pieces of {@code H}'s rows and apply the deferred update as a GEMM over four
 * channels; a sweep whose first block changed few coordinates finishes eagerly ({@link #eagerCyclic}). Each worker
 * sweeps its own share of channels.
 */
final class CyclicSweeper extends SimdSweeper {

    /** {@code 1.5 * 2^23}: adding and subtracting it rounds a float below {@code 2^22} to the nearest even integer. */
    private static final float RINT = 12582912f;
    private static final int RINT_BITS = Float.floatToRawIntBits(RINT);

    CyclicSweeper(SweepState.F32 s, int block, SimdTiling tiling) {
        super(s, block, tiling);
    }

    /** Sweeps channels {@code [j0, j1)} in cyclic order ({@code order} is null; no team work is needed). */
    @Override
    long sweep(int[] order, ChannelPool.Team team, int worker, int j0, int j1) {
        return sweepCyclic(j0, j1);
    }

    /** A block's state of {@code V} channels, transposed so that step {@code b}'s values of the channels are a vector. */
    private static final class Lanes {
        /** {@code [b * V + l]}: gradient, value, code and change {@code d} of lane {@code l} (channel {@code j + l}). */
        final float[] g;
        final float[] q;
        final int[] z;
        final float[] d;
        /** The current group's grid per lane. */
        final float[] sc = new float[V];
        final float[] lo = new float[V];
        final float[] hi = new float[V];
        /** Scratch for dead inputs' weights and for rounding lane by lane under other tie rules. */
        final float[] x = new float[V];

        Lanes(int block) {
            g = new float[block * V];
            q = new float[block * V];
            z = new int[block * V];
            d = new float[block * V];
        }
    }

    private long sweepCyclic(int j0, int j1) {
        int in = layout.in();
        int first = Math.min(block, in);
        long changed = sweepRange(j0, j1, 0, first);
        if (first == in) {
            return changed;
        }
        if (tiling.eagerAfter(changed, j1 - j0, block)) {
            return changed + eagerCyclic(j0, j1, first);
        }
        return changed + sweepRange(j0, j1, first, in);
    }

    /**
     * Cyclic order, eagerly: sweeps channels {@code [j0, j1)} over the steps {@code [kStart, in)} one channel at a
     * time, adding each change to the channel's whole gradient row at once ({@code G_j += d * H[i, :]}, one streamed
     * row of {@code H}). For sweeps where few coordinates change, this skips the blocks' passes over {@code G}; the
     * visits are tried {@code V} at a time.
     */
    private long eagerCyclic(int j0, int j1, int kStart) {
        int in = layout.in();
        boolean perChannel = layout.rowsPerGroup() == in;
        boolean lanes = tie == TieRule.HALF_EVEN;
        float[] dv = new float[V];
        long changed = 0;
        for (int j = j0; j < j1; j++) {
            int jo = layout.column(j);
            int gi = layout.grid(j, 0);
            int i = kStart;
            while (i < in) {
                if (!perChannel) {
                    gi = layout.grid(j, i);
                }
                float sc = scale[gi];
                float d;
                if (lanes && i + V <= in && oneGrid(i)) {
                    int first = firstChangeLane(jo + i, G, jo + i, i, sc, lo[gi], hi[gi], dv, 0);
                    if (first == V) {
                        i += V;
                        continue;
                    }
                    i += first;
                    d = dv[first];
                } else {
                    float qij = Q[jo + i];
                    int z = code(i, jo + i, qij, G[jo + i], sc, lo[gi], hi[gi]);
                    Z[jo + i] = z;
                    d = qij - sc * z;
                }
                if (d != 0f) {
                    Q[jo + i] = sc * Z[jo + i];
                    SimdPanels.axpy(d, H, layout.hRow(i), G, jo, in);
                    changed++;
                }
                i++;
            }
        }
        return changed;
    }

    /**
     * Cyclic order: sweeps channels {@code [j0, j1)} over the visiting steps {@code [kStart, kEnd)} ({@code kStart} a
     * multiple of the block size), block by block.
     */
    private long sweepRange(int j0, int j1, int kStart, int kEnd) {
        int share = j1 - j0;
        int quads = share / 4;
        float[] dense = new float[share * block];
        int[] active = new int[Math.max(1, quads) * block];
        int[] activeN = new int[Math.max(1, quads)];
        int[] recIdx = new int[share * block];
        float[] recD = new float[share * block];
        int[] recN = new int[share];
        float[] gb = new float[block + V];
        Lanes lanes = tiling.lanes() ? new Lanes(block) : null;
        long changed = 0;
        for (int k0 = kStart; k0 < kEnd; k0 += block) {
            int nb = Math.min(block, layout.in() - k0);
            int j = j0;
            if (lanes != null) {
                for (; j + V <= j1; j += V) {
                    changed += visitCyclicLanes(j, j - j0, k0, nb, lanes, dense, recIdx, recD, recN);
                }
            }
            for (; j < j1; j++) {
                int n = visitCyclic(j, (j - j0) * block, k0, nb, gb, dense, recIdx, recD);
                recN[j - j0] = n;
                changed += n;
            }
            collectActive(dense, share, nb, active, activeN);
            deferCyclic(k0, j0, share, recIdx, recD, recN, dense, active, activeN);
        }
        return changed;
    }

    /**
     * Phase 1 in cyclic order: the block's steps for channel j, visiting {@code i = k0 + b}. The block's gradients are
     * copied to {@code gb} and corrected eagerly: a change {@code d} at step {@code b'} adds {@code d * H[i', k0 + b]}
     * to every later {@code gb[b]}, a contiguous piece of row {@code i'}. Steps are tried {@code V} at a time
     * (per-channel or one group's grid, half-even ties): up to the first lane that changes, the lanes need nothing
     * from each other. Returns how many changed.
     */
    private int visitCyclic(int j, int base, int k0, int nb, float[] gb, float[] dense, int[] recIdx, float[] recD) {
        int jo = layout.column(j);
        boolean perChannel = layout.rowsPerGroup() == layout.in();
        boolean lanes = tie == TieRule.HALF_EVEN;
        System.arraycopy(G, jo + k0, gb, 0, nb);
        int gi = layout.grid(j, k0);
        int n = 0;
        int b = 0;
        while (b < nb) {
            int i = k0 + b;
            if (!perChannel) {
                gi = layout.grid(j, i);
            }
            float sc = scale[gi];
            int zlo = lo[gi];
            int zhi = hi[gi];
            int first;
            if (lanes && b + V <= nb && 4 * n <= b && oneGrid(i)) {
                first = firstChangeLane(jo + i, gb, b, i, sc, zlo, zhi, dense, base + b);
                if (first == V) {
                    b += V;
                    continue;
                }
            } else {
                first = 0;
                float qij = Q[jo + i];
                int z = code(i, jo + i, qij, gb[b], sc, zlo, zhi);
                Z[jo + i] = z;
                dense[base + b] = qij - sc * z;
            }
            // the first changed lane: keep its value, record it, correct the later steps of the block
            int bc = b + first;
            int ic = k0 + bc;
            float d = dense[base + bc];
            if (d != 0f) {
                Q[jo + ic] = sc * Z[jo + ic];
                recIdx[base + n] = ic;
                recD[base + n] = d;
                n++;
                SimdPanels.axpyWhole(d, H, layout.h(ic, k0 + bc + 1), gb, bc + 1, nb - bc - 1);
            }
            b = bc + 1;
        }
        return n;
    }

    /**
     * Phase 1 in cyclic order for the {@code V} channels {@code j .. j+V} at once, one channel per vector lane: all of
     * them visit {@code i = k0 + b} at step {@code b}, so a step is one vector of codes, and its changes {@code d}
     * correct every later step of the block by {@code g[b'] += H[i, k0 + b'] * d}, a broadcast entry of {@code H}
     * times the vector of changes. Nothing waits on one channel's chain of visits. Records the changes of channel
     * {@code c0 + l} (relative to the share) as {@link #visitCyclic} does and returns how many changed.
     */
    private long visitCyclicLanes(int j, int c0, int k0, int nb, Lanes s, float[] dense, int[] recIdx, float[] recD,
                                  int[] recN) {
        for (int l = 0; l < V; l++) {
            int jo = layout.at(j + l, k0);
            for (int b = 0; b < nb; b++) {
                s.g[b * V + l] = G[jo + b];
                s.q[b * V + l] = Q[jo + b];
            }
        }
        boolean halfEven = tie == TieRule.HALF_EVEN;
        int rpg = layout.rowsPerGroup();
        FloatVector sc = null;
        FloatVector zlo = null;
        FloatVector zhi = null;
        for (int b = 0; b < nb; b++) {
            int i = k0 + b;
            if (b == 0 || i % rpg == 0) {
                for (int l = 0; l < V; l++) {
                    int gi = layout.grid(j + l, i);
                    s.sc[l] = scale[gi];
                    s.lo[l] = lo[gi];
                    s.hi[l] = hi[gi];
                }
                sc = FloatVector.fromArray(F, s.sc, 0);
                zlo = FloatVector.fromArray(F, s.lo, 0);
                zhi = FloatVector.fromArray(F, s.hi, 0);
            }
            int at = b * V;
            FloatVector qij = FloatVector.fromArray(F, s.q, at);
            float hii = diag[i];
            // target = Q + g / H_ii, or W where H_ii = 0
            FloatVector target;
            if (hii != 0f) {
                target = qij.add(FloatVector.fromArray(F, s.g, at).div(hii));
            } else {
                for (int l = 0; l < V; l++) {
                    s.x[l] = W[layout.at(j + l, i)];
                }
                target = FloatVector.fromArray(F, s.x, 0);
            }
            // z = clip(round(target / scale), lo, hi)
            FloatVector z;
            if (halfEven) {
                FloatVector shifted = target.div(sc).max(zlo).min(zhi).add(RINT);
                z = shifted.sub(RINT);
                ((IntVector) shifted.reinterpretAsInts()).sub(RINT_BITS).intoArray(s.z, at);
            } else {
                target.div(sc).intoArray(s.x, 0);
                for (int l = 0; l < V; l++) {
                    int zl = clip(tie.round(s.x[l]), (int) s.lo[l], (int) s.hi[l]);
                    s.z[at + l] = zl;
                    s.x[l] = zl;
                }
                z = FloatVector.fromArray(F, s.x, 0);
            }
            FloatVector q = z.mul(sc);
            FloatVector d = qij.sub(q);
            d.intoArray(s.d, at);
            VectorMask<Float> changed = d.compare(VectorOperators.NE, 0f);
            if (changed.anyTrue()) {
                qij.blend(q, changed).intoArray(s.q, at);
                // g[b'] += H[i, k0 + b'] * d for the later steps b' of the block
                int row = layout.h(i, k0);
                for (int bb = b + 1; bb < nb; bb++) {
                    FloatVector.broadcast(F, H[row + bb]).fma(d, FloatVector.fromArray(F, s.g, bb * V))
                            .intoArray(s.g, bb * V);
                }
            }
        }
        long total = 0;
        for (int l = 0; l < V; l++) {
            int jo = layout.at(j + l, k0);
            int base = (c0 + l) * block;
            int n = 0;
            for (int b = 0; b < nb; b++) {
                float d = s.d[b * V + l];
                Z[jo + b] = s.z[b * V + l];
                Q[jo + b] = s.q[b * V + l];
                dense[base + b] = d;
                if (d != 0f) {
                    recIdx[base + n] = k0 + b;
                    recD[base + n] = d;
                    n++;
                }
            }
            recN[c0 + l] = n;
            total += n;
        }
        return total;
    }

    /**
     * {@code V} steps {@code b .. b+V} of one channel's cyclic block as vectors: writes their codes to {@code Z} and
     * {@code d = Q_old - q} to {@code dense}, and returns the first lane whose {@code d != 0} ({@code V} if none).
     * Lanes after it used gradients that the change makes stale; the caller visits them again.
     */
    private int firstChangeLane(int at, float[] gArr, int gOff, int i, float sc, int zlo, int zhi, float[] dense,
                                int dOff) {
        FloatVector g = FloatVector.fromArray(F, gArr, gOff);
        FloatVector hii = FloatVector.fromArray(F, diag, i);
        FloatVector qij = FloatVector.fromArray(F, Q, at);
        // target = Q + g / H_ii, or W where H_ii = 0
        FloatVector target = qij.add(g.div(hii)).blend(FloatVector.fromArray(F, W, at), hii.eq(0f));
        // z = clip(rint(target / scale), lo, hi)
        FloatVector x = target.div(sc).max((float) zlo).min((float) zhi);
        FloatVector shifted = x.add(RINT);
        FloatVector z = shifted.sub(RINT);
        // the integer sits in the low mantissa bits of x + RINT
        ((IntVector) shifted.reinterpretAsInts()).sub(RINT_BITS).intoArray(Z, at);
        FloatVector d = qij.sub(z.mul(sc));
        d.intoArray(dense, dOff);
        VectorMask<Float> changed = d.compare(VectorOperators.NE, 0f);
        return changed.anyTrue() ? changed.firstTrue() : V;
    }

    /** Whether the {@code V} cyclic steps from input {@code i} share one grid (per channel, or inside one group). */
    private boolean oneGrid(int i) {
        int rpg = layout.rowsPerGroup();
        return rpg == layout.in() || i / rpg == (i + V - 1) / rpg;
    }

    /** For each group of four channels, the in-block steps where any of the four changed. */
    private void collectActive(float[] dense, int share, int nb, int[] active, int[] activeN) {
        for (int q = 0; q < share / 4; q++) {
            int a = q * 4 * block;
            int n = 0;
            for (int b = 0; b < nb; b++) {
                if (dense[a + b] != 0f || dense[a + block + b] != 0f || dense[a + 2 * block + b] != 0f
                        || dense[a + 3 * block + b] != 0f) {
                    active[q * block + n++] = b;
                }
            }
            activeN[q] = n;
        }
    }

    /** Phase 2, cyclic: {@code G[quad, panel] += D[quad, block] * H[block rows, panel]}. */
    private void deferCyclic(int k0, int j0, int share, int[] recIdx, float[] recD, int[] recN, float[] dense,
                             int[] active, int[] activeN) {
        int in = layout.in();
        int rEnd = SimdPanels.panelEnd(in);
        int quads = share / 4;
        for (int r = 0; r < rEnd; r += SimdPanels.PANEL) {
            for (int q = 0; q < quads; q++) {
                if (activeN[q] > 0) {
                    SimdPanels.add4(H, in, k0, active, q * block, activeN[q], dense, q * 4 * block, block, G,
                            layout.at(j0 + 4 * q, 0), r);
                }
            }
            for (int c = quads * 4; c < share; c++) {
                if (recN[c] > 0) {
                    SimdPanels.add1(H, in, recIdx, c * block, recD, c * block, recN[c], G, layout.column(j0 + c), r);
                }
            }
        }
        tail(j0, share, recIdx, recD, recN, rEnd);
    }

    private void tail(int j0, int share, int[] recIdx, float[] recD, int[] recN, int rEnd) {
        int in = layout.in();
        if (rEnd == in) {
            return;
        }
        for (int c = 0; c < share; c++) {
            SimdPanels.add1Tail(H, in, recIdx, c * block, recD, c * block, recN[c], G, layout.column(j0 + c), rEnd);
        }
    }
}
