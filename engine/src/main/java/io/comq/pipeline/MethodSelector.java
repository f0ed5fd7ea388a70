package io.comq.pipeline;

import io.comq.calibration.LayerStatistics;
import io.comq.quant.method.AutoConfig;
import io.comq.layer.LayerConfig;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.ProgressListener;
import io.comq.quant.linalg.Objective;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quantizes one layer and measures it on held-out data: with {@link AutoConfig}, every candidate runs and the layer
 * keeps the one with the lowest relative error under the validation Gram matrix ({@code tr(E^T H_val E) /
 * tr(W^T H_val W)}), or under the fit Gram matrix when nothing is held out. Only the kept candidate's results stay in
 * memory, unless the caller asks for all of them (for {@link WholeModelCheck}).
 */
final class MethodSelector {
    private final LayerQuantizer quantizer;

    MethodSelector(LayerQuantizer quantizer) {
        this.quantizer = quantizer;
    }

    /**
     * What a layer got.
     *
     * @param results     one result per group
     * @param method      the label of the method that produced them
     * @param fitError    relative error on the fit data (mean over groups)
     * @param validError  relative error on the held-out data (mean over groups), or null when nothing is held out
     * @param candidates  every candidate's {fit, validation} error by label (one entry without auto); validation is
     *                    NaN when nothing is held out
     * @param all         every candidate's results by label, for {@link WholeModelCheck} (empty unless kept)
     */
    record Outcome(List<LayerResult> results, String method, double fitError, Double validError,
                   Map<String, double[]> candidates, Map<String, List<LayerResult>> all) {

        /** This layer with candidate {@code label}'s results in place of the chosen ones. */
        Outcome as(String label) {
            double[] e = candidates.get(label);
            return new Outcome(all.get(label), label, e[0], validError == null ? null : e[1], candidates, all);
        }
    }

    /** Quantizes the groups {@code ws} of a layer with {@code config} (each candidate of an auto config). */
    Outcome quantize(List<Matrix> ws, LayerStatistics fit, LayerStatistics validation, LayerConfig config,
                     ProgressListener progress) {
        return quantize(ws, fit, validation, config, false, progress);
    }

    /**
     * {@link #quantize(List, LayerStatistics, LayerStatistics, LayerConfig, ProgressListener)}, keeping every
     * candidate's results in {@link Outcome#all} when {@code keepAll}.
     */
    Outcome quantize(List<Matrix> ws, LayerStatistics fit, LayerStatistics validation, LayerConfig config,
                     boolean keepAll, ProgressListener progress) {
        Map<String, List<LayerResult>> all = new LinkedHashMap<>();
        List<MethodConfig> candidates = config.method().candidates();
        Map<String, double[]> errors = new LinkedHashMap<>();
        Outcome best = null;
        double bestScore = Double.POSITIVE_INFINITY;
        for (MethodConfig m : candidates) {
            List<LayerResult> rs = new ArrayList<>(ws.size());
            double fitErr = 0;
            double valErr = 0;
            for (int g = 0; g < ws.size(); g++) {
                Matrix w = ws.get(g);
                LayerResult r = quantizer.quantize(ws.size() == 1 ? fit.problem(w) : fit.problem(g, w),
                        new LayerConfig(m, config.biasCompensation()), progress);
                rs.add(r);
                fitErr += r.relError();
                valErr += validation == null ? Double.NaN : heldOutError(validation, g, w, r.wq());
            }
            fitErr /= ws.size();
            valErr /= ws.size();
            String label = m.label();
            errors.put(label, new double[] {fitErr, valErr});
            if (keepAll) {
                all.put(label, rs);
            }
            double score = validation == null ? fitErr : valErr;
            if (best == null || score < bestScore) {
                bestScore = score;
                best = new Outcome(rs, label, fitErr, validation == null ? null : valErr, errors, all);
            }
        }
        return best;
    }

    /**
     * The relative error of {@code Wq} on the held-out statistics: against {@code W} under the held-out {@code H}, or,
     * for joint (corrected) statistics, against the held-out corrected target under {@code H~} (the same ranking as
     * {@code ||X~ Wq - X W||} on the held-out samples).
     */
    static double heldOutError(LayerStatistics validation, int g, Matrix w, Matrix wq) {
        if (validation.samples() == 0 || !validation.groups().get(g).isJoint()) {
            return relError(validation.gram(g), w, wq);
        }
        LayerProblem p = validation.problem(g, w);
        return relError((Matrix.F64) p.gram(), p.weights(), wq);
    }

    /** {@code tr(E^T H E) / tr(W^T H W)} with {@code E = Wq - W}, in the precision of {@code Wq}. */
    static double relError(Matrix.F64 H, Matrix W, Matrix wq) {
        Matrix w = wq instanceof Matrix.F32 ? W.toF32() : W.toF64();
        double norm = Objective.quadratic(H, w);
        double err = Objective.quadratic(H, Objective.difference(wq, w));
        return norm == 0 ? (err == 0 ? 0 : Double.POSITIVE_INFINITY) : err / norm;
    }
}
