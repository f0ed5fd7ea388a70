package io.comq.kernel.cpu;

/**
 * The panel-packed copy of {@code H} ({@link SimdPanels#packPanels}) for one sweep, made on first use and shared by
 * the sweep's worker threads.
 */
final class PackedH {

    private final float[] H;
    private final int in;
    private float[] packed;

    PackedH(float[] H, int in) {
        this.H = H;
        this.in = in;
    }

    synchronized float[] get() {
        if (packed == null) {
            packed = SimdPanels.packPanels(H, in);
        }
        return packed;
    }
}
