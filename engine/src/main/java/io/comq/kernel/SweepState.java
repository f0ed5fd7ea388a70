package io.comq.kernel;

import io.comq.numeric.TieRule;

/**
 * The per-layer state a COMQ kernel works on, in one precision. Arrays are laid out by {@link Layout} (channel-major)
 * and are mutated in place by the kernel (a device backend may hold them on the device until
 * {@link QuantKernel#release}); names follow COMQ.md.
 *
 * <ul>
 *   <li>{@code H (in, in)}: the Gram matrix, read-only.</li>
 *   <li>{@code W}: the float weights, read-only.</li>
 *   <li>{@code Q}: current quantized values {@code scale * Z}; coordinates not yet visited may still hold other values
 *       (for init fp, {@code Q = W}).</li>
 *   <li>{@code Z}: current integer codes.</li>
 *   <li>{@code G = H (W - Q)}: kept current between kernel calls.</li>
 *   <li>{@code scale}, {@code lo}, {@code hi}: one per (channel, group), indexed by {@link Layout#grid(int, int)}.</li>
 * </ul>
 */
public sealed interface SweepState permits SweepState.F64, SweepState.F32 {

    Layout layout();

    TieRule tie();

    int[] Z();

    int[] lo();

    int[] hi();

    /** Float64 state: the reference path. */
    record F64(Layout layout, TieRule tie, double[] H, double[] W, double[] Q, int[] Z, double[] G, double[] scale,
               int[] lo, int[] hi) implements SweepState {
    }

    /** Float32 state: the fast path. */
    record F32(Layout layout, TieRule tie, float[] H, float[] W, float[] Q, int[] Z, float[] G, float[] scale,
               int[] lo, int[] hi) implements SweepState {
    }
}
