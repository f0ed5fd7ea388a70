package io.comq.kernel.cpu;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.numeric.TieRule;
import java.util.concurrent.atomic.AtomicIntegerArray;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One COMQ sweep with lazy block updates. One instance per sweep call, shared by the call's team of worker threads,
 * each of which sweeps its own share of channels, except the any-order blocks, which the team sweeps together
 * ({@link #sweepAny}). Scratch arrays are local to the worker's call, and the arrays the team shares are fields.
 *
 * <p>The visiting order is cut into blocks of {@code block} steps. At a block's start {@code G} is exact. Inside the
 * block, channel {@code j} visits {@code S_j = order[k0 .. k1), j]}; at step {@code b} it needs
 * <pre>
 *   G_ij = G_ij(block start) + sum_{b' &lt; b} H[i, S_j[b']] * d_{b'j}          (i = S_j[b])
 * </pre>
 * a correction from the earlier visits of the block whose value changed ({@code d = Q_old - q != 0}): in any order a
 * short sum over entries of {@code H} scattered along row {@code i}; in cyclic order a contiguous piece of row
 * {@code S_j[b']} added to the block's later gradients as soon as step {@code b'} changes, which lets unchanged steps
 * be tried {@code V} at a time. At the block's end the deferred update {@code G_j += sum_b d_bj H[S_j[b], :]} is
 * applied for every channel, column panel by column panel ({@link SimdPanels}), so that the touched rows of
 * {@code H} stay in cache across channels. In cyclic order {@code S_j} is the same for all channels: a block visits
 * {@code V} channels at once, one per vector lane ({@link #visitCyclicLanes}), and the update is a GEMM over four
 * channels at a time.
 *
 * <p>Blocks pay for their cross-channel reuse of {@code H} with scattered reads and passes over {@code G}. Where that
 * does not pay, as {@link SimdTiling} decides, a sweep runs eagerly, one channel at a time with its gradient row in
 * the core's cache: an any-order sweep while {@code H} fits in the shared cache ({@link #eagerAny}), and any sweep
 * whose first block changed few coordinates ({@link #eagerCyclic}, {@link #eagerAny}). The result equals the
 * step-by-step sweep up to float rounding.
 */
final class SimdSweeper {

    private static final VectorSpecies<Float> F = SimdPanels.F;
    private static final int V = SimdPanels.V;
    /** Changes an eager any-order sweep batches before adding them to {@code G} (4 measured best, against 1 and 8). */
    private static final int BATCH = 4;
    /** Channels a worker takes at a time in phase 1 of an any-order block. */
    private static final int CHUNK = 4;
    /** Columns a worker takes at a time in phase 2 of an any-order block with few changes (1 KiB of each row). */
    private static final int ROW_PIECE = 256;

    private final int block;
    private final SimdTiling tiling;
    private final Layout layout;
    private final TieRule tie;
    private final float[] H;
    private final float[] W;
    private final float[] Q;
    private final float[] G;
    private final float[] scale;
    private final int[] Z;
    private final int[] lo;
    private final int[] hi;
    /** {@code H_ii}, contiguous. */
    private final float[] diag;
    /**
     * Any order: the current block's changes of every channel {@code j}, {@code sharedN[j]} of them, input and change
     * {@code d} at {@code [j * block + t]}, written by the channel's worker in phase 1 and read by all in phase 2.
     */
    private final int[] sharedIdx;
    private final float[] sharedD;
    private final int[] sharedN;
    /** Per block of an any-order sweep, the next chunk of channels to visit and the next column panel to update. */
    private final AtomicIntegerArray nextChunk;
    private final AtomicIntegerArray nextPanel;

    SimdSweeper(SweepState.F32 s, int block, SimdTiling tiling) {
        this.block = block;
        this.tiling = tiling;
        int in = s.layout().in();
        this.diag = new float[in];
        for (int i = 0; i < in; i++) {
            diag[i] = s.H()[s.layout().h(i, i)];
        }
        this.layout = s.layout();
        this.tie = s.tie();
        this.H = s.H();
        this.W = s.W();
        this.Q = s.Q();
        this.G = s.G();
        this.scale = s.scale();
        this.Z = s.Z();
        this.lo = s.lo();
        this.hi = s.hi();
        int out = s.layout().out();
        this.sharedIdx = new int[out * block];
        this.sharedD = new float[out * block];
        this.sharedN = new int[out];
        int blocks = (s.layout().in() + block - 1) / block;
        this.nextChunk = new AtomicIntegerArray(blocks);
        this.nextPanel = new AtomicIntegerArray(blocks);
    }

    /**
     * Sweeps channels {@code [j0, j1)}, the share of worker {@code worker} of {@code team}, in {@code order} (null:
     * cyclic), in blocks or eagerly as {@link SimdTiling} says. Every share of the team must call this at once.
     *
     * @return coordinates whose value changed
     */
    long sweep(int[] order, ChannelPool.Team team, int worker, int j0, int j1) {
        return order == null ? sweepCyclic(j0, j1) : sweepAny(order, team, worker, j0, j1);
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
     * Any order. Unless it runs eagerly from the start, each block is a team effort in two phases, each followed by a
     * wait for the whole team: every worker visits chunks of {@link #CHUNK} channels (phase 1, {@link #visitAny}),
     * then adds the block's changes of every channel to column panels of {@code G} (phase 2, {@link #deferSparse}),
     * so that each column panel of {@code H} is streamed by one worker per block, not by each. Chunks and panels go
     * to whichever worker asks next, so a worker slowed by a neighbour on the machine holds the others up by one item
     * at most. If the first block changed few coordinates (of all channels), every worker finishes its share eagerly.
     */
    private long sweepAny(int[] order, ChannelPool.Team team, int worker, int j0, int j1) {
        int in = layout.in();
        if (tiling.eagerFromStart(in)) {
            return eagerAny(order, j0, j1, 0);
        }
        int out = layout.out();
        float[] panel = new float[in * SimdPanels.PANEL];
        long changed = 0;
        for (int k0 = 0, kb = 0; k0 < in; k0 += block, kb++) {
            int nb = Math.min(block, in - k0);
            long n = 0;
            for (int c = nextChunk.getAndIncrement(kb) * CHUNK; c < out; c = nextChunk.getAndIncrement(kb) * CHUNK) {
                for (int j = c; j < Math.min(out, c + CHUNK); j++) {
                    sharedN[j] = visitAny(order, j, k0, nb);
                    n += sharedN[j];
                }
            }
            changed += n;
            long records = team.sum(worker, n);
            deferSparse(kb, records, panel);
            team.await();
            if (k0 == 0 && nb < in && tiling.eagerAfter(records, out, block)) {
                return changed + eagerAny(order, j0, j1, nb);
            }
        }
        return changed;
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
     * Any order, eagerly: sweeps channels {@code [j0, j1)} over the steps {@code [kStart, in)} one channel at a time.
     * Changes wait in a batch of {@link #BATCH}: a visit corrects its gradient by the batch's entries of row {@code i},
     * and a full batch is added to the channel's gradient row in one pass ({@link SimdPanels#addRows}), so each changed
     * row of {@code H} is streamed once and {@code G_j} is read and written once per batch. Unlike a block, nothing
     * reads {@code H} at scattered places beyond the batch; this wins while {@code H} stays in the shared cache.
     */
    private long eagerAny(int[] order, int j0, int j1, int kStart) {
        int in = layout.in();
        boolean perChannel = layout.rowsPerGroup() == in;
        int[] rows = new int[BATCH];
        float[] ds = new float[BATCH];
        long changed = 0;
        for (int j = j0; j < j1; j++) {
            int jo = layout.column(j);
            int gi = layout.grid(j, 0);
            int m = 0;
            for (int k = kStart; k < in; k++) {
                int i = order[jo + k];
                if (!perChannel) {
                    gi = layout.grid(j, i);
                }
                // G_ij + sum over the batch of H[i_t, i] * d_t
                float g = G[jo + i];
                for (int t = 0; t < m; t++) {
                    g += H[rows[t] + i] * ds[t];
                }
                float sc = scale[gi];
                float qij = Q[jo + i];
                int z = code(i, jo + i, qij, g, sc, lo[gi], hi[gi]);
                Z[jo + i] = z;
                float q = sc * z;
                float d = qij - q;
                if (d != 0f) {
                    Q[jo + i] = q;
                    rows[m] = layout.hRow(i);
                    ds[m] = d;
                    m++;
                    changed++;
                    if (m == BATCH) {
                        SimdPanels.addRows(H, rows, ds, m, G, jo, in);
                        m = 0;
                    }
                }
            }
            SimdPanels.addRows(H, rows, ds, m, G, jo, in);
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
     * Phase 1 in any order: the block's steps for channel j, visiting {@code i = order[k0 + b]}; the correction of
     * step {@code b} is a sparse sum over the block's earlier changes, scattered over row {@code i} of {@code H}.
     * Records the changed coordinates in the team's shared records and returns how many changed.
     */
    private int visitAny(int[] order, int j, int k0, int nb) {
        int in = layout.in();
        int base = j * block;
        int jo = layout.column(j);
        boolean perChannel = layout.rowsPerGroup() == in;
        int g0 = layout.grid(j, 0);
        float sc = scale[g0];
        int zlo = lo[g0];
        int zhi = hi[g0];
        int n = 0;
        for (int b = 0; b < nb; b++) {
            int i = order[jo + k0 + b];
            int row = layout.hRow(i);
            float g = G[jo + i];
            for (int t = 0; t < n; t++) {
                g += H[row + sharedIdx[base + t]] * sharedD[base + t];
            }
            if (!perChannel) {
                int gi = layout.grid(j, i);
                sc = scale[gi];
                zlo = lo[gi];
                zhi = hi[gi];
            }
            float qij = Q[jo + i];
            int z = code(i, jo + i, qij, g, sc, zlo, zhi);
            float q = sc * z;
            Z[jo + i] = z;
            float d = qij - q;
            if (d != 0f) {
                Q[jo + i] = q;
                sharedIdx[base + n] = i;
                sharedD[base + n] = d;
                n++;
            }
        }
        return n;
    }

    /** {@code 1.5 * 2^23}: adding and subtracting it rounds a float below {@code 2^22} to the nearest even integer. */
    private static final float RINT = 12582912f;
    private static final int RINT_BITS = Float.floatToRawIntBits(RINT);

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

    /** Whether the {@code V} cyclic steps from input {@code i} share one grid (per channel, or inside one group). */
    private boolean oneGrid(int i) {
        int rpg = layout.rowsPerGroup();
        return rpg == layout.in() || i / rpg == (i + V - 1) / rpg;
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

    /**
     * The visit's code, scalar: {@code z = clip(round((Q_ij + G_ij / H_ii) / scale), lo, hi)}; a dead input
     * ({@code H_ii = 0}) rounds its own weight {@code W_ij}, read at {@code at}.
     */
    private int code(int i, int at, float qij, float g, float sc, int zlo, int zhi) {
        float hii = diag[i];
        float target = hii == 0f ? W[at] : qij + g / hii;
        return clip(tie.round(target / sc), zlo, zhi);
    }

    static int clip(float x, int lo, int hi) {
        if (x <= lo) {
            return lo;
        }
        if (x >= hi) {
            return hi;
        }
        return (int) x;
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

    /**
     * Phase 2, any order, block {@code kb}: {@code G_j += sum_b d_bj H[S_j[b], :]} for every channel, column panel by
     * column panel as workers take them. The rows {@code S_j} are scattered over {@code H}. When the block changed
     * fewer coordinates ({@code records}, all channels) than {@code H} has rows (later sweeps), each change adds
     * streamed pieces of its row of {@code H}, {@link #ROW_PIECE} columns at a time. Otherwise the worker copies the
     * panel's pieces of every row into {@code panel}, one contiguous {@code in * PANEL} array
     * ({@link SimdPanels#copyPanel}), which stays in L2 while every channel reads its rows from it. (A panel-packed
     * copy of all of {@code H} measured no faster and cost another {@code H} of heap.) The columns past the last whole
     * panel are the last item.
     */
    private void deferSparse(int kb, long records, float[] panel) {
        int in = layout.in();
        int out = layout.out();
        boolean rows = records < in;
        int span = rows ? ROW_PIECE : SimdPanels.PANEL;
        int items = (in + span - 1) / span;
        for (int p = nextPanel.getAndIncrement(kb); p < items; p = nextPanel.getAndIncrement(kb)) {
            int r = p * span;
            int c1 = Math.min(in, r + span);
            if (rows) {
                deferRows(r, c1);
            } else if (c1 - r == SimdPanels.PANEL) {
                SimdPanels.copyPanel(H, in, r, panel);
                for (int j = 0; j < out; j++) {
                    if (sharedN[j] > 0) {
                        SimdPanels.add1Packed(panel, sharedIdx, j * block, sharedD, j * block, sharedN[j], G,
                                layout.at(j, r));
                    }
                }
            } else {
                for (int j = 0; j < out; j++) {
                    SimdPanels.add1Tail(H, in, sharedIdx, j * block, sharedD, j * block, sharedN[j], G,
                            layout.column(j), r);
                }
            }
        }
    }

    /** Phase 2 for few changes, columns {@code [c0, c1)}: one {@code axpy} with a piece of a row of {@code H} per change. */
    private void deferRows(int c0, int c1) {
        for (int j = 0; j < layout.out(); j++) {
            int g = layout.at(j, c0);
            for (int t = j * block; t < j * block + sharedN[j]; t++) {
                SimdPanels.axpy(sharedD[t], H, layout.h(sharedIdx[t], c0), G, g, c1 - c0);
            }
        }
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
