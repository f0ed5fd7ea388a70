package io.comq.kernel.cpu;

/**
 * When a sweep runs in blocks and when eagerly, one channel at a time ({@link SimdSweeper}).
 *
 * <p>Blocks share each streamed piece of {@code H} between the channels of a thread, at the price of in-block
 * corrections that read {@code H} at scattered places and a pass over {@code G} per block. An any-order (greedy) sweep
 * runs eagerly from the start while {@code H} fits in the shared cache ({@code 4 in^2 <= eagerH}): each change then
 * streams its row of {@code H} from there. Any sweep whose first block changed at most one coordinate in eight (a later
 * sweep) finishes eagerly, where the blocks' passes over {@code G} would cost more than the few rows they add. A cyclic
 * block visits {@code V} channels at once, one per vector lane, where the share has that many left.
 *
 * @param eagerH      bytes of float32 {@code H} up to which any-order sweeps run eagerly from the start
 * @param eagerSparse whether sparse sweeps finish eagerly after their first block
 * @param lanes       whether cyclic blocks visit {@code V} channels at once (else one channel at a time)
 */
record SimdTiling(long eagerH, boolean eagerSparse, boolean lanes) {

    /**
     * {@code H} up to 16 MiB, half of a 32 MiB L3 (eager measured faster than blocks up to 2048 x 2048, slower from
     * 3072 x 3072); sparse sweeps finish eagerly; cyclic blocks run channels in lanes.
     */
    static final SimdTiling DEFAULT = new SimdTiling(16L << 20, true, true);

    /** Blocks throughout (cyclic ones in lanes). */
    static final SimdTiling BLOCKED = new SimdTiling(0, false, true);

    SimdTiling {
        if (eagerH < 0) {
            throw new IllegalArgumentException("negative H size: " + eagerH);
        }
    }

    /** Whether an any-order sweep over {@code in} inputs runs eagerly from the start. */
    boolean eagerFromStart(int in) {
        return 4L * in * in <= eagerH;
    }

    /** Whether the rest of the sweep runs eagerly after a first block over {@code channels} changed {@code changed}. */
    boolean eagerAfter(long changed, int channels, int block) {
        return eagerSparse && changed * 8 <= (long) channels * block;
    }
}
