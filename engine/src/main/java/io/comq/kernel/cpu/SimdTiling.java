package io.comq.kernel.cpu;

/**
 * How a sweep is cut into pieces so that what it reads stays in cache.
 *
 * <p>Chunks: an any-order (greedy) sweep groups a thread's channels into chunks that are swept one after the other, so
 * that the per-channel state the visits read at random positions ({@code G}, {@code Q}, {@code W}, {@code Z}: 16
 * bytes per input) stays in the core's cache instead of missing on every visit. Chunking costs one more pass over
 * {@code H} per chunk and block when a block's deferred update goes through the packed panels, so chunks are used
 * only when {@code H} is small enough to stay in the shared cache ({@code 4 in^2 <= smallH}).
 *
 * <p>Eager finish: in either order, when a sweep's first block changed at most one coordinate in eight (a later sweep),
 * the rest of the sweep runs one channel at a time and adds each change to the channel's gradient at once, skipping the
 * blocks' passes over {@code G} and the in-block corrections.
 *
 * @param chunkBytes state bytes per chunk ({@code 16 * in} per channel); at least 4 channels per chunk
 * @param smallH     bytes of float32 {@code H} up to which chunks are used
 * @param eager      whether sparse sweeps finish eagerly
 */
record SimdTiling(long chunkBytes, long smallH, boolean eager) {

    /** Half of a 1 MiB L2 for the chunk's state; {@code H} up to 8 MiB (a quarter of a 32 MiB L3); eager finish. */
    static final SimdTiling DEFAULT = new SimdTiling(512L << 10, 8L << 20, true);

    /** No chunks, no eager finish: every block over the thread's whole share of channels. */
    static final SimdTiling UNTILED = new SimdTiling(Long.MAX_VALUE, 0, false);

    SimdTiling {
        if (chunkBytes < 0 || smallH < 0) {
            throw new IllegalArgumentException("negative tiling sizes: " + chunkBytes + ", " + smallH);
        }
    }

    /** Channels per chunk for {@code in} inputs. */
    int chunkChannels(int in) {
        return (int) Math.max(4, Math.min(Integer.MAX_VALUE, chunkBytes / (16L * in)));
    }

    /** Whether an any-order sweep is chunked. */
    boolean chunkFromStart(int in) {
        return 4L * in * in <= smallH;
    }

    /** Whether the rest of the sweep runs eagerly after a first block over {@code channels} changed {@code changed}. */
    boolean eagerAfter(long changed, int channels, int block) {
        return eager && changed * 8 <= (long) channels * block;
    }
}
