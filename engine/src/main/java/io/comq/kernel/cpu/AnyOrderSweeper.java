package io.comq.kernel.cpu;

import io.comq.kernel.SweepState;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The any-order sweep (greedy): each channel visits the inputs in its own order. Unless it runs eagerly, each block is
 * a team effort: phase 1 visits chunks of channels, phase 2 adds every channel's changes to column panels of
 * {@code G}, each panel of {@code H} streamed by one worker; the records of the block's changes are shared by the
 * team ({@link #sweepAny}).
 */
final class AnyOrderSweeper extends SimdSweeper {

    /** Changes an eager any-order sweep batches before adding them to {@code G} (4 measured best, against 1 and 8). */
    private static final int BATCH = 4;
    /** Channels a worker takes at a time in phase 1 of an any-order block. */
    private static final int CHUNK = 4;
    /** Columns a worker takes at a time in phase 2 of an any-order block with few changes (1 KiB of each row). */
    private static final int ROW_PIECE = 256;

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

    AnyOrderSweeper(SweepState.F32 s, int block, SimdTiling tiling) {
        super(s, block, tiling);
        int out = s.layout().out();
        this.sharedIdx = new int[out * block];
        this.sharedD = new float[out * block];
        this.sharedN = new int[out];
        int blocks = (s.layout().in() + block - 1) / block;
        this.nextChunk = new AtomicIntegerArray(blocks);
        this.nextPanel = new AtomicIntegerArray(blocks);
    }

    @Override
    long sweep(int[] order, ChannelPool.Team team, int worker, int j0, int j1) {
        return sweepAny(order, team, worker, j0, j1);
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
}
