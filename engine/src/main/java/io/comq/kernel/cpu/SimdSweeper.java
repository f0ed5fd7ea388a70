package io.comq.kernel.cpu;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.numeric.TieRule;
import jdk.incubator.vector.VectorSpecies;

/**
 * One COMQ sweep with lazy block updates: the state both visiting orders share (the layer's arrays, the grid, the code
 * of a visit), with the orders apart: {@link CyclicSweeper} and {@link AnyOrderSweeper}. One instance per sweep call,
 * shared by the call's team of worker threads, each of which sweeps its own share of channels, except the any-order
 * blocks, which the team sweeps together. Scratch arrays are local to the worker's call.
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
 * {@code V} channels at once, one per vector lane ({@link CyclicSweeper#visitCyclicLanes}), and the update is a GEMM over four
 * channels at a time.
 *
 * <p>Blocks pay for their cross-channel reuse of {@code H} with scattered reads and passes over {@code G}. Where that
 * does not pay, as {@link SimdTiling} decides, a sweep runs eagerly, one channel at a time with its gradient row in
 * the core's cache: an any-order sweep while {@code H} fits in the shared cache ({@link AnyOrderSweeper#eagerAny}), and any sweep
 * whose first block changed few coordinates ({@link CyclicSweeper#eagerCyclic}, {@link AnyOrderSweeper#eagerAny}). The result equals the
 * step-by-step sweep up to float rounding.
 */
abstract sealed class SimdSweeper permits CyclicSweeper, AnyOrderSweeper {

    static final VectorSpecies<Float> F = SimdPanels.F;
    static final int V = SimdPanels.V;

    final int block;
    final SimdTiling tiling;
    final Layout layout;
    final TieRule tie;
    final float[] H;
    final float[] W;
    final float[] Q;
    final float[] G;
    final float[] scale;
    final int[] Z;
    final int[] lo;
    final int[] hi;
    /** {@code H_ii}, contiguous. */
    final float[] diag;

    /** The sweeper of one sweep call: cyclic order when {@code cyclic}, else any order. */
    static SimdSweeper of(SweepState.F32 s, int block, SimdTiling tiling, boolean cyclic) {
        return cyclic ? new CyclicSweeper(s, block, tiling) : new AnyOrderSweeper(s, block, tiling);
    }

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
    }

    /**
     * Sweeps channels {@code [j0, j1)}, the share of worker {@code worker} of {@code team}, in {@code order} (null:
     * cyclic), in blocks or eagerly as {@link SimdTiling} says. Every share of the team must call this at once.
     *
     * @return coordinates whose value changed
     */
    abstract long sweep(int[] order, ChannelPool.Team team, int worker, int j0, int j1);













    /**
     * The visit's code, scalar: {@code z = clip(round((Q_ij + G_ij / H_ii) / scale), lo, hi)}; a dead input
     * ({@code H_ii = 0}) rounds its own weight {@code W_ij}, read at {@code at}.
     */
    int code(int i, int at, float qij, float g, float sc, int zlo, int zhi) {
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





}
