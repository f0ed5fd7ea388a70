package io.comq.calibration;

import io.comq.error.InvalidInputException;
import io.comq.quant.LayerProblem;
import io.comq.tensor.Matrix;
import java.util.List;

/**
 * The calibration statistics of one layer: one {@link GramAccumulator} per group (one for MatMul/Gemm). Layers that
 * read the same tensor the same way (attention's Q, K and V projections) share the accumulators.
 */
public record LayerStatistics(CalibrationTarget target, List<GramAccumulator> groups) {
    public LayerStatistics {
        groups = List.copyOf(groups);
        if (groups.size() != target.groups()) {
            throw new IllegalArgumentException("layer " + target.layerName() + " has " + target.groups()
                    + " groups, got " + groups.size() + " accumulators");
        }
    }

    /** Rows accumulated (per group; for a conv every group sees the same number of patches). */
    public long samples() {
        return groups.get(0).samples();
    }

    /** The Gram matrix of group {@code g}. */
    public Matrix.F64 gram(int g) {
        return groups.get(g).gram();
    }

    /** The problem of a single-group layer with weight {@code W (in, out)}. */
    public LayerProblem problem(Matrix weights) {
        if (groups.size() != 1) {
            throw new InvalidInputException("layer " + target.layerName() + " has " + groups.size()
                    + " groups: take the problem of each group");
        }
        return groups.get(0).problem(weights);
    }

    /** The problem of group {@code g} with that group's weight {@code W (in, out/groups)}. */
    public LayerProblem problem(int g, Matrix weights) {
        return groups.get(g).problem(weights);
    }
}
