package io.comq.kernel.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;

/**
 * The execution plan of the Gram kernel for one batch shape {@code (rows, in)}: uploads the batch and {@code H}, runs
 * {@link ComqKernels#gram} and brings {@code H} back (the engine accumulates {@code H} on the host between batches).
 */
final class GramPlan implements AutoCloseable {

    private final int rows;
    private final int in;
    private final DoubleArray X;
    private final DoubleArray H;
    private final TornadoExecutionPlan plan;

    GramPlan(int rows, int in, TornadoDevice device, Launch launch) {
        this.rows = rows;
        this.in = in;
        X = new DoubleArray(rows * in);
        H = new DoubleArray(in * in);
        TaskGraph g = new TaskGraph(Launch.GRAM_GRAPH)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, X, H)
                .task(Launch.GRAM, ComqKernels::gram, new KernelContext(), X, H, rows, in)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, H);
        plan = new TornadoExecutionPlan(g.snapshot()).withDevice(device).withGridScheduler(launch.gram(in));
    }

    boolean fits(int rows, int in) {
        return this.rows == rows && this.in == in;
    }

    /** {@code h += x^T x} for a row-major {@code (rows, in)} batch {@code x}. */
    void accumulate(double[] x, double[] h) {
        HostCopy.put(x, X);
        HostCopy.put(h, H);
        plan.execute();
        HostCopy.get(H, h);
    }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("could not free the TornadoVM Gram plan", e);
        }
    }
}
