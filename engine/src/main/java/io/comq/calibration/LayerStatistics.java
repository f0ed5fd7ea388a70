package io.comq.calibration;

import io.comq.error.InvalidInputException;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerResult;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The calibration statistics of one layer: one {@link GramAccumulator} per group (one for MatMul/Gemm). Layers that
 * read the same tensor the same way (attention's Q, K and V projections) share the accumulators.
 *
 * <p>A layer that no calibration row reached (in an {@code If} branch that no sample took) gets the weight-only problem
 * {@code H = I}: every method then minimizes {@code ||Wq - W||²}, which lands on round-to-nearest's codes, and
 * {@link #noted} puts {@link #NO_SAMPLES} among the result's guards so that the report says so.
 */
public record LayerStatistics(CalibrationTarget target, List<GramAccumulator> groups) {
    /** The guard of a layer quantized without calibration data. */
    public static final String NO_SAMPLES = "no calibration sample reached this layer (a branch none took): quantized "
            + "on its weights alone (H = I)";

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
        return problem(0, weights);
    }

    /** The problem of group {@code g} with that group's weight {@code W (in, out/groups)}. */
    public LayerProblem problem(int g, Matrix weights) {
        if (samples() == 0) {
            int in = weights.rows();
            double[] eye = new double[in * in];
            for (int k = 0; k < in; k++) {
                eye[k * in + k] = 1;
            }
            return new LayerProblem(weights, new Matrix.F64(in, in, eye), new double[in], 0);
        }
        return groups.get(g).problem(weights);
    }

    /** {@code r} with {@link #NO_SAMPLES} among its guards when this layer had no calibration rows; else {@code r}. */
    public LayerResult noted(LayerResult r) {
        if (samples() > 0) {
            return r;
        }
        LayerResult.RunStats s = r.stats();
        List<String> guards = new ArrayList<>(s.guards());
        guards.add(NO_SAMPLES);
        return new LayerResult(r.in(), r.out(), r.grid(), r.codes(), r.scales(), r.lo(), r.hi(), r.wq(),
                r.biasCorrection(), r.rtnRelError(), r.relErrorPerSweep(), r.relError(),
                new LayerResult.RunStats(s.method(), s.precision(), s.backend(), s.device(), s.threads(), s.nanos(),
                        guards));
    }
}
