package io.comq.kernel.tornado;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The device buffers and the execution plan of one layer shape. Two task graphs share the buffers on the device:
 * {@code load} uploads a layer's state ({@code H, W, Q, Z, G, scale, lo, hi}: the one host-to-device transfer of a
 * layer) and computes the greedy keys; {@code layer} holds the operation kernels and runs the one named in
 * {@code control}, bringing back only the per-channel changed counts and errors. {@code Q, Z, G, scale} and the greedy
 * order come back on demand ({@link #download}, {@link #order}). Kernels compile once per plan (sizes are compiled in
 * as constants), so plans are kept per shape and reused.
 */
final class LayerPlan implements AutoCloseable {

    private final Layout layout;
    private final boolean localG;
    private final FloatArray H;
    private final FloatArray W;
    private final FloatArray Q;
    private final IntArray Z;
    private final FloatArray G;
    private final FloatArray scale;
    private final IntArray lo;
    private final IntArray hi;
    private final DoubleArray keys;
    private final IntArray order;
    private final IntArray control = new IntArray(ComqKernels.CONTROL_LENGTH);
    private final IntArray changed;
    private final DoubleArray err;
    private final TornadoExecutionPlan plan;
    private TornadoExecutionResult last;

    /**
     * @param localG whether the sweep keeps the {@code G} column in local memory (requires
     *               {@code in <= G_LOCAL_CAPACITY})
     */
    LayerPlan(Layout l, TornadoDevice device, Launch launch, boolean localG) {
        if (localG && l.in() > ComqKernels.G_LOCAL_CAPACITY) {
            throw new IllegalArgumentException("in=" + l.in() + " exceeds the local G capacity");
        }
        this.layout = l;
        this.localG = localG;
        int n = l.in() * l.out();
        int grids = l.groups() * l.out();
        H = new FloatArray(l.in() * l.in());
        W = new FloatArray(n);
        Q = new FloatArray(n);
        Z = new IntArray(n);
        G = new FloatArray(n);
        scale = new FloatArray(grids);
        lo = new IntArray(grids);
        hi = new IntArray(grids);
        keys = new DoubleArray(n);
        order = new IntArray(n);
        changed = new IntArray(l.out());
        err = new DoubleArray(l.out());
        int in = l.in();
        int groups = l.groups();
        int rows = l.rowsPerGroup();

        TaskGraph load = new TaskGraph(Launch.LOAD_GRAPH)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, H, W, Q, Z, G, scale, lo, hi)
                .task(Launch.KEYS, ComqKernels::greedyKeys, new KernelContext(), H, W, keys, in, l.out())
                .persistOnDevice(H, W, Q, Z, G, scale, lo, hi, keys);
        TaskGraph ops = new TaskGraph(Launch.LAYER_GRAPH)
                .consumeFromDevice(Launch.LOAD_GRAPH, H, W, Q, Z, G, scale, lo, hi, keys)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, order)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, control)
                .task(Launch.RANKS, ComqKernels::greedyRanks, new KernelContext(), control, keys, order, in)
                .task(Launch.SCALE_STEP, ComqKernels::scaleStep, new KernelContext(), control, H, Q, Z, G, scale, in,
                        groups, rows)
                .task(Launch.GRADIENT, ComqKernels::gradient, new KernelContext(), control, H, W, Q, G, in);
        if (localG) {
            ops.task(Launch.SWEEP, ComqKernels::sweepLocal, new KernelContext(), control, H, W, Q, Z, G, scale, lo,
                    hi, order, changed, in, groups, rows);
        } else {
            ops.task(Launch.SWEEP, ComqKernels::sweepGlobal, new KernelContext(), control, H, W, Q, Z, G, scale, lo,
                    hi, order, changed, in, groups, rows);
        }
        ops.task(Launch.RESIDUAL, ComqKernels::residual, new KernelContext(), control, W, Q, G, err, in)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, changed, err)
                .persistOnDevice(Q, Z, G, scale, order);
        plan = new TornadoExecutionPlan(load.snapshot(), ops.snapshot())
                .withDevice(device)
                .withGridScheduler(launch.layer(l));
    }

    Layout layout() {
        return layout;
    }

    boolean localG() {
        return localG;
    }

    /** Uploads a layer's state: its one host-to-device transfer. */
    void load(SweepState.F32 s) {
        HostCopy.put(s.H(), H);
        HostCopy.put(s.W(), W);
        HostCopy.put(s.Q(), Q);
        HostCopy.put(s.Z(), Z);
        HostCopy.put(s.G(), G);
        HostCopy.put(s.scale(), scale);
        HostCopy.put(s.lo(), lo);
        HostCopy.put(s.hi(), hi);
        plan.withGraph(0).execute();
    }

    /** Runs one operation of the layer graph ({@code ComqKernels.OP_*}). */
    void run(int op, boolean cyclic, int tie) {
        control.set(ComqKernels.OP, op);
        control.set(ComqKernels.CYCLIC, cyclic ? 1 : 0);
        control.set(ComqKernels.TIE, tie);
        last = plan.withGraph(1).execute();
    }

    /** Computes the greedy order on the device (where it stays) and returns a copy. */
    int[] order(int tie) {
        run(ComqKernels.OP_ORDER, false, tie);
        last.transferToHost(order);
        int[] copy = new int[layout.in() * layout.out()];
        HostCopy.get(order, copy);
        return copy;
    }

    /** Sum of the per-channel changed counts of the last sweep. */
    long changed() {
        long total = 0;
        for (int j = 0; j < layout.out(); j++) {
            total += changed.get(j);
        }
        return total;
    }

    /** The per-channel errors of the last residual operation. */
    double[] errors() {
        double[] e = new double[layout.out()];
        HostCopy.get(err, e);
        return e;
    }

    /** Brings {@code Q, Z, G, scale} back into the state's host arrays. */
    void download(SweepState.F32 s) {
        if (last != null) {
            last.transferToHost(Q, Z, G, scale);
        }
        HostCopy.get(Q, s.Q());
        HostCopy.get(Z, s.Z());
        HostCopy.get(G, s.G());
        HostCopy.get(scale, s.scale());
    }

    @Override
    public void close() {
        try {
            plan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("could not free the TornadoVM plan of layer " + layout, e);
        }
    }
}
