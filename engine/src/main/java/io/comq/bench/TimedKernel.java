package io.comq.bench;

import io.comq.kernel.QuantKernel;
import io.comq.kernel.SweepState;
import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;

/** A kernel that times the sweeps of the kernel it wraps, so that the benchmark can report time per sweep. */
final class TimedKernel implements QuantKernel {

    private final QuantKernel inner;
    private long sweepNanos;
    private int sweeps;

    TimedKernel(QuantKernel inner) {
        this.inner = inner;
    }

    /** Starts counting afresh. */
    void reset() {
        sweepNanos = 0;
        sweeps = 0;
    }

    long sweepNanos() {
        return sweepNanos;
    }

    int sweeps() {
        return sweeps;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String device() {
        return inner.device();
    }

    @Override
    public int threads() {
        return inner.threads();
    }

    @Override
    public boolean supports(Precision precision) {
        return inner.supports(precision);
    }

    @Override
    public void accumulateGram(Matrix X, double[] H, double[] colSum) {
        inner.accumulateGram(X, H, colSum);
    }

    @Override
    public int[] greedyOrder(SweepState s) {
        return inner.greedyOrder(s);
    }

    @Override
    public void computeGradient(SweepState s) {
        inner.computeGradient(s);
    }

    @Override
    public long sweep(SweepState s, int[] order) {
        long t0 = System.nanoTime();
        long changed = inner.sweep(s, order);
        sweepNanos += System.nanoTime() - t0;
        sweeps++;
        return changed;
    }

    @Override
    public void updateScales(SweepState s) {
        inner.updateScales(s);
    }

    @Override
    public void release(SweepState s) {
        inner.release(s);
    }

    @Override
    public double[] residualErrors(SweepState s) {
        return inner.residualErrors(s);
    }

    @Override
    public void close() {
        inner.close();
    }
}
