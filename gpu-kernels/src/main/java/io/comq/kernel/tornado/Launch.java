package io.comq.kernel.tornado;

import io.comq.kernel.Layout;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

/**
 * All launch geometry of the TornadoVM kernels, and the names of their task graphs and tasks. The per-channel kernels
 * run one work-group of {@code local} work-items per output channel ({@link ComqKernels} states each contract).
 *
 * @param local work-group size of the per-channel kernels: a power of two, at most {@link ComqKernels#MAX_LOCAL}
 */
record Launch(int local) {

    static final String LOAD_GRAPH = "comqLoad";
    static final String LAYER_GRAPH = "comqLayer";
    static final String GRAM_GRAPH = "comqGram";

    static final String KEYS = "keys";
    static final String RANKS = "ranks";
    static final String SCALE_STEP = "scaleStep";
    static final String GRADIENT = "gradient";
    static final String SWEEP = "sweep";
    static final String RESIDUAL = "residual";
    static final String GRAM = "gram";

    /** Work-group size for the keys kernel (any size works; the global size is rounded up to it). */
    private static final int KEYS_LOCAL = 64;

    /**
     * The geometry for a device type: 128 work-items per channel on a GPU (the usual 64-256 range), 16 on a CPU device
     * such as PoCL, where a barrier costs more the larger the work-group.
     */
    static Launch forDevice(TornadoDeviceType type) {
        return new Launch(type == TornadoDeviceType.GPU ? 128 : 16);
    }

    Launch {
        if (local < 1 || local > ComqKernels.MAX_LOCAL || Integer.bitCount(local) != 1) {
            throw new IllegalArgumentException("work-group size must be a power of two up to "
                    + ComqKernels.MAX_LOCAL + ", got " + local);
        }
    }

    /** The grids of the load and layer graphs of one layer shape. */
    GridScheduler layer(Layout l) {
        GridScheduler s = new GridScheduler();
        s.addWorkerGrid(LOAD_GRAPH + "." + KEYS, grid1(roundUp(l.in() * l.out(), KEYS_LOCAL), KEYS_LOCAL));
        WorkerGrid perChannel = grid1(l.out() * local, local);
        s.addWorkerGrid(LAYER_GRAPH + "." + RANKS, perChannel);
        s.addWorkerGrid(LAYER_GRAPH + "." + GRADIENT, perChannel);
        s.addWorkerGrid(LAYER_GRAPH + "." + SWEEP, perChannel);
        s.addWorkerGrid(LAYER_GRAPH + "." + RESIDUAL, perChannel);
        s.addWorkerGrid(LAYER_GRAPH + "." + SCALE_STEP, perChannel);
        return s;
    }

    /** The grid of the Gram kernel for {@code in} inputs. */
    GridScheduler gram(int in) {
        int side = roundUp(in, ComqKernels.TILE);
        WorkerGrid2D g = new WorkerGrid2D(side, side);
        g.setLocalWork(ComqKernels.TILE, ComqKernels.TILE, 1);
        return new GridScheduler(GRAM_GRAPH + "." + GRAM, g);
    }

    private static WorkerGrid grid1(int global, int local) {
        WorkerGrid1D g = new WorkerGrid1D(global);
        g.setLocalWork(local, 1, 1);
        return g;
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }
}
