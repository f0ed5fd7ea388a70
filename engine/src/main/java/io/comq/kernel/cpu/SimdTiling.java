package io.comq.kernel.cpu;

/**
 * How an any-order (greedy) sweep groups a thread's channels into chunks that are swept one after the other, so that
 * the per-channel state the visits read at random positions ({@code G}, {@code Q}, {@code W}, {@code Z}: 16 bytes per
 * input) stays in the core's cache instead of missing on every visit.
 *
 * <p>Chunking costs one more pass over {@code H} per chunk and block when a block's deferred update goes through
 * the packed panels, so: when {@code H} is small enough to stay in the shared cache ({@code 4 in^2 <= smallH}), chunks
 * are used from the start; otherwise the first block runs over the whole share, and the rest is chunked only if that
 * block changed at most one coordinate in eight (a later sweep, where each change is one streamed row of {@code H}
 * anyway).
 *
 * @param chunkBytes state bytes per chunk ({@code 16 * in} per channel); at least 4 channels per chunk
 * @param smallH     bytes of float32 {@code H} up to which chunks are used from the first block
 */
record SimdTiling(long chunkBytes, long smallH) {

    /** Half of a 1 MiB L2 for the chunk's state; {@code H} up to 8 MiB (a quarter of a 32 MiB L3). */
    static final SimdTiling DEFAULT = new SimdTiling(512L << 10, 8L << 20);

    /** No chunks: every block over the thread's whole share of channels. */
    static final SimdTiling UNTILED = new SimdTiling(Long.MAX_VALUE, 0);

    SimdTiling {
        if (chunkBytes < 0 || smallH < 0) {
            throw new IllegalArgumentException("negative tiling sizes: " + chunkBytes + ", " + smallH);
        }
    }

    /** Channels per chunk for {@code in} inputs. */
    int chunkChannels(int in) {
        return (int) Math.max(4, Math.min(Integer.MAX_VALUE, chunkBytes / (16L * in)));
    }

    /** Whether chunks are used from the first block. */
    boolean chunkFromStart(int in) {
        return 4L * in * in <= smallH;
    }

    /** Whether the rest of the sweep is chunked after a first block over {@code channels} changed {@code changed}. */
    boolean chunkAfter(long changed, int channels, int block) {
        return changed * 8 <= (long) channels * block;
    }
}
