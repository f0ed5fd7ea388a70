package io.comq.kernel.cpu;

import io.comq.error.InvalidConfigException;
import io.comq.kernel.Layout;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.SweepState;
import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;
import java.util.Arrays;

/**
 * The fast CPU kernel: float32, {@code jdk.incubator.vector} ({@code FloatVector.SPECIES_PREFERRED}), multi-threaded
 * over output channels with a fixed pool. The COMQ sweep uses lazy block updates ({@link SimdSweeper}); the gradient is
 * a cache-blocked GEMM ({@link SimdGradient}); Gram accumulation is float64 ({@link SimdGram}).
 *
 * <p>Only the float32 sweep is implemented ({@link #supports} is false for float64, and the float64 state is rejected):
 * callers fall back to the scalar reference for float64. Create it through {@link SimdKernelProvider}, which checks
 * that the vector module is present. Close it to stop its threads.
 */
public final class SimdKernel implements QuantKernel {

    private final ChannelPool pool;
    private final int block;
    private final SimdTiling tiling;

    /**
     * @param threads worker threads, at least 1
     * @param block   steps per lazy block of the sweep, 1..4096 (64 is a good default; larger reads {@code H} fewer
     *                times, smaller spends less on the in-block corrections)
     */
    public SimdKernel(int threads, int block) {
        this(threads, block, SimdTiling.DEFAULT);
    }

    /** With an explicit choice of when sweeps run in blocks and when eagerly (tests force each path with it). */
    SimdKernel(int threads, int block, SimdTiling tiling) {
        if (threads < 1) {
            throw new InvalidConfigException("threads must be positive, got " + threads);
        }
        if (block < 1 || block > 4096) {
            throw new InvalidConfigException("sweep block size must be in 1..4096, got " + block);
        }
        this.pool = new ChannelPool(threads, "comq-simd");
        this.block = block;
        this.tiling = tiling;
    }

    /** Steps per lazy block of the sweep. */
    public int blockSize() {
        return block;
    }

    @Override
    public String name() {
        return SimdKernelProvider.NAME;
    }

    @Override
    public String device() {
        return "CPU, " + pool.threads() + " threads, " + SimdPanels.F.vectorBitSize() + "-bit vectors";
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public boolean supports(Precision precision) {
        return precision == Precision.FLOAT32;
    }

    @Override
    public void accumulateGram(Matrix X, double[] H, double[] colSum) {
        SimdGram.accumulate(pool, X, H, colSum);
    }

    @Override
    public int[] greedyOrder(SweepState state) {
        SweepState.F32 s = f32(state);
        Layout l = s.layout();
        int in = l.in();
        float[] root = new float[in];
        for (int i = 0; i < in; i++) {
            root[i] = (float) Math.sqrt(s.H()[l.h(i, i)]);
        }
        int[] order = new int[in * l.out()];
        pool.forShares(l.out(), 1, (w, j0, j1) -> {
            SimdGreedySort sort = new SimdGreedySort(in);
            for (int j = j0; j < j1; j++) {
                int jo = l.at(j, 0);
                sort.sort(root, s.W(), jo, order, jo);
            }
        });
        return order;
    }

    @Override
    public void computeGradient(SweepState state) {
        SweepState.F32 s = f32(state);
        int in = s.layout().in();
        pool.forShares(s.layout().out(), 4,
                (w, j0, j1) -> new SimdGradient().compute(s.H(), s.W(), s.Q(), s.G(), in, j0, j1));
    }

    @Override
    public long sweep(SweepState state, int[] order) {
        SweepState.F32 s = f32(state);
        Layout l = s.layout();
        if (order != null && order.length != l.in() * l.out()) {
            throw new IllegalArgumentException("order has " + order.length + " entries, expected in*out");
        }
        long[] changed = new long[pool.threads()];
        SimdSweeper sweeper = SimdSweeper.of(s, block, tiling, order == null);
        pool.forTeam(l.out(), 4, (team, w, j0, j1) -> changed[w] = sweeper.sweep(order, team, w, j0, j1));
        return Arrays.stream(changed).sum();
    }

    @Override
    public void updateScales(SweepState state) {
        SweepState.F32 s = f32(state);
        pool.forShares(s.layout().out(), 1, (w, j0, j1) -> SimdScales.update(s, j0, j1));
    }

    @Override
    public double[] residualErrors(SweepState state) {
        SweepState.F32 s = f32(state);
        Layout l = s.layout();
        double[] err = new double[l.out()];
        pool.forShares(l.out(), 1, (w, j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                err[j] = SimdScales.residual(s, j);
            }
        });
        return err;
    }

    private static SweepState.F32 f32(SweepState state) {
        if (state instanceof SweepState.F32 f) {
            return f;
        }
        throw new IllegalArgumentException(
                "the cpu-simd kernel runs float32 only; use the cpu-scalar kernel for float64 state");
    }

    @Override
    public void close() {
        pool.close();
    }
}
