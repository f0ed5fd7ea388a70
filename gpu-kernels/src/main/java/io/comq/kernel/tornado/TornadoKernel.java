package io.comq.kernel.tornado;

import io.comq.kernel.Layout;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.SweepState;
import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/**
 * {@link QuantKernel} on a TornadoVM device (OpenCL or PTX), float32 sweeps. A layer's state goes to the device on the
 * first call that names it and stays there across that layer's sweeps, scale updates and error evaluations; it comes
 * back by {@link #release} (or when the next layer's state is loaded). Execution plans are kept per layer shape (their
 * kernels are compiled for that shape). Calls are serialised: one device queue.
 *
 * <p>The sweep visits coordinates cyclically or in the greedy order (which this kernel computes and keeps on the
 * device); any other order is rejected. Calls on several states interleaved work, but move the states on and off the
 * device each time.
 */
public final class TornadoKernel implements QuantKernel {

    /** The backend name. */
    public static final String NAME = "tornadovm";

    /** Layer plans kept (each holds the device buffers of one shape). */
    private static final int PLANS_KEPT = 3;

    private final TornadoDevice device;
    private final Launch launch;
    private final String description;
    private final Map<Layout, LayerPlan> plans = new LinkedHashMap<>(8, 0.75f, true);
    private GramPlan gram;
    private SweepState.F32 loaded;
    private LayerPlan current;
    private int[] currentOrder;

    TornadoKernel(TornadoDevice device, Launch launch) {
        this.device = device;
        this.launch = launch;
        this.description = device.getTornadoVMBackend() + ", " + device.getPhysicalDevice().getDeviceName()
                + " (device " + device.getBackendIndex() + ":" + deviceIndex(device) + ", " + device.getDeviceType()
                + ", work-group " + launch.local() + ")";
    }

    /**
     * Opens the device {@code spec} names: empty for TornadoVM's default device, {@code B:D} for device D of backend
     * B, {@code opencl} or {@code ptx} for the first device of that backend, or a part of the device's name.
     *
     * @throws IllegalStateException when TornadoVM has no device or none matches
     */
    public static TornadoKernel open(String spec) {
        TornadoDevice d = pick(spec == null ? "" : spec.trim());
        return new TornadoKernel(d, Launch.forDevice(d.getDeviceType()));
    }

    private static TornadoDevice pick(String spec) {
        List<TornadoDevice> all = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        for (int b = 0; b < backends.size(); b++) {
            TornadoBackend backend = backends.get(b);
            for (int i = 0; i < backend.getNumDevices(); i++) {
                TornadoDevice d = backend.getDevice(i);
                all.add(d);
                names.add(b + ":" + i + " " + d.getTornadoVMBackend() + " " + d.getPhysicalDevice().getDeviceName());
                if (spec.equals(b + ":" + i)) {
                    return d;
                }
            }
        }
        if (all.isEmpty()) {
            throw new IllegalStateException("TornadoVM found no device (check the OpenCL ICD or CUDA driver)");
        }
        if (spec.isEmpty()) {
            return TornadoExecutionPlan.DEFAULT_DEVICE;
        }
        String want = spec.toLowerCase(Locale.ROOT);
        for (TornadoDevice d : all) {
            if (d.getTornadoVMBackend().name().equalsIgnoreCase(want)
                    || d.getPhysicalDevice().getDeviceName().toLowerCase(Locale.ROOT).contains(want)) {
                return d;
            }
        }
        throw new IllegalStateException("no TornadoVM device matches '" + spec + "'; devices are " + names);
    }

    private static int deviceIndex(TornadoDevice d) {
        List<TornadoBackend> backends = TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends();
        TornadoBackend b = backends.get(d.getBackendIndex());
        for (int i = 0; i < b.getNumDevices(); i++) {
            if (b.getDevice(i).getPhysicalDevice().getDeviceName().equals(d.getPhysicalDevice().getDeviceName())) {
                return i;
            }
        }
        return 0;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String device() {
        return description;
    }

    @Override
    public int threads() {
        return launch.local();
    }

    @Override
    public boolean supports(Precision precision) {
        return precision == Precision.FLOAT32;
    }

    @Override
    public synchronized void accumulateGram(Matrix X, double[] H, double[] colSum) {
        int rows = X.rows();
        int in = X.cols();
        double[] x = X.toF64().data();
        if (gram == null || !gram.fits(rows, in)) {
            if (gram != null) {
                gram.close();
            }
            gram = new GramPlan(rows, in, device, launch);
        }
        gram.accumulate(x, H);
        if (colSum != null) {
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < in; k++) {
                    colSum[k] += x[r * in + k];
                }
            }
        }
    }

    @Override
    public synchronized int[] greedyOrder(SweepState s) {
        currentOrder = bind(s).order(tie(s));
        return currentOrder;
    }

    @Override
    public synchronized void computeGradient(SweepState s) {
        bind(s).run(ComqKernels.OP_GRADIENT, true, tie(s));
    }

    @Override
    public synchronized long sweep(SweepState s, int[] order) {
        LayerPlan p = bind(s);
        if (order != null && order != currentOrder) {
            // The state was moved off the device since its order was computed (calls on another state in between):
            // compute it again on the device, and accept only the greedy order itself.
            currentOrder = p.order(tie(s));
            if (!Arrays.equals(order, currentOrder)) {
                throw new IllegalArgumentException("the " + NAME + " kernel sweeps cyclically or in the greedy order "
                        + "(greedyOrder), not in another order");
            }
        }
        p.run(ComqKernels.OP_SWEEP, order == null, tie(s));
        return p.changed();
    }

    @Override
    public synchronized void updateScales(SweepState s) {
        bind(s).run(ComqKernels.OP_SCALES, true, tie(s));
    }

    @Override
    public synchronized double[] residualErrors(SweepState s) {
        LayerPlan p = bind(s);
        p.run(ComqKernels.OP_RESIDUAL, true, tie(s));
        return p.errors();
    }

    @Override
    public synchronized void release(SweepState s) {
        if (s == loaded) {
            current.download(loaded);
            loaded = null;
            current = null;
            currentOrder = null;
        }
    }

    private static int tie(SweepState s) {
        return switch (s.tie()) {
            case HALF_EVEN -> ComqKernels.TIE_HALF_EVEN;
            case HALF_AWAY -> ComqKernels.TIE_HALF_AWAY;
            case HALF_UP -> ComqKernels.TIE_HALF_UP;
            case HALF_DOWN -> ComqKernels.TIE_HALF_DOWN;
        };
    }

    /** The plan holding {@code s} on the device, loading it (and bringing the previous state home) when new. */
    private LayerPlan bind(SweepState s) {
        if (s == loaded) {
            return current;
        }
        if (!(s instanceof SweepState.F32 f)) {
            throw new IllegalArgumentException("the " + NAME + " kernel sweeps in float32 only");
        }
        if (loaded != null) {
            release(loaded);
        }
        LayerPlan p = plans.get(f.layout());
        if (p == null) {
            p = new LayerPlan(f.layout(), device, launch, f.layout().in() <= ComqKernels.G_LOCAL_CAPACITY);
            plans.put(f.layout(), p);
            evict();
        }
        p.load(f);
        loaded = f;
        current = p;
        currentOrder = null;
        return p;
    }

    private void evict() {
        while (plans.size() > PLANS_KEPT) {
            var eldest = plans.entrySet().iterator().next();
            eldest.getValue().close();
            plans.remove(eldest.getKey());
        }
    }

    /** Uses {@code plan} for its shape (tests: the global-memory sweep on a narrow layer). */
    synchronized void usePlan(LayerPlan plan) {
        LayerPlan old = plans.put(plan.layout(), plan);
        if (old != null && old != plan) {
            old.close();
        }
    }

    Launch launch() {
        return launch;
    }

    TornadoDevice tornadoDevice() {
        return device;
    }

    @Override
    public synchronized void close() {
        if (loaded != null) {
            release(loaded);
        }
        plans.values().forEach(LayerPlan::close);
        plans.clear();
        if (gram != null) {
            gram.close();
            gram = null;
        }
    }
}
