package io.comq.kernel;

import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;

/**
 * The compute operations of calibration and COMQ, behind one interface so that a CPU, SIMD or GPU (TornadoVM)
 * backend can run them. A kernel does no I/O and keeps no state between calls besides its thread pool or device
 * context, and a device backend's copy of the layer it is working on (until {@link #release}). Implementations must be
 * thread-safe for calls on distinct states.
 *
 * <p>Backends are found by {@link Kernels}: TornadoVM when present and working, then the SIMD CPU kernel, then the
 * scalar reference.
 */
public interface QuantKernel extends AutoCloseable {

    /** Short backend name for reports: {@code cpu-scalar}, {@code cpu-simd}, {@code tornadovm}. */
    String name();

    /** The device in words, e.g. {@code "CPU, 2 threads, 512-bit vectors"}. */
    String device();

    /** Worker threads (or parallel lanes) this kernel uses. */
    int threads();

    /** Whether this kernel implements the sweep in the given precision. */
    boolean supports(Precision precision);

    /**
     * Streams one calibration batch into the Gram matrix: {@code H += X^T X} and {@code colSum += 1^T X}, accumulating
     * in float64.
     *
     * @param X      the batch, {@code (rows, in)}
     * @param H      {@code (in, in)} row-major accumulator
     * @param colSum length-{@code in} accumulator of column sums (for the mean input row), or {@code null}
     */
    void accumulateGram(Matrix X, double[] H, double[] colSum);

    /**
     * Greedy visiting order: {@code order[j * in + k]} is the k-th input visited by channel j, sorted by
     * {@code sqrt(H_ii) * |W_ij|} descending, ties keeping the lower {@code i} first.
     */
    int[] greedyOrder(SweepState s);

    /** Recomputes {@code G = H (W - Q)} for every channel. */
    void computeGradient(SweepState s);

    /**
     * One COMQ sweep over every coordinate of every channel, in {@code order} ({@code null} means cyclic:
     * {@code i = 0 .. in-1}). For each visited {@code (i, j)}: {@code t = Q_ij + G_ij / H_ii} ({@code t = W_ij} when
     * {@code H_ii == 0}), {@code z = clip(round(t / scale), lo, hi)}, {@code G[:, j] += H[:, i] (Q_ij - scale z)}. On
     * return {@code G} is current.
     *
     * @return the number of coordinates whose value changed
     */
    long sweep(SweepState s, int[] order);

    /**
     * Least-squares scale update with codes fixed, one (channel, group) at a time:
     * {@code scale_g <- z_g^T (H (w - q_{-g}))_g / (z_g^T H_gg z_g)}, which for per-channel grids is
     * {@code z^T H w / z^T H z}. Scales whose denominator is 0 are left alone. Updates {@code Q} and {@code G}.
     */
    void updateScales(SweepState s);

    /** Per-channel error {@code (w_j - q_j)^T H (w_j - q_j)}, computed from the current {@code G}. */
    double[] residualErrors(SweepState s);

    /**
     * Ends the work on {@code s}: its host arrays {@code Q}, {@code Z}, {@code G} and {@code scale} are current on
     * return, and the backend lets go of what it held for it. A device backend keeps a layer's state on the device from
     * the first call that names it until this call (so that a layer crosses the bus once); the CPU backends work on the
     * host arrays and have nothing to do. Call it once after the last operation on a state, before reading the state.
     */
    default void release(SweepState s) {
    }

    @Override
    default void close() {
    }
}
