package io.comq.pipeline;

import ai.onnxruntime.OrtSession;
import io.comq.calibration.data.CalibrationSet;
import io.comq.error.InvalidInputException;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.layer.LayerResult;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The model-level check of {@code --method auto}. Each layer keeps the candidate with the lowest held-out layer error,
 * but the best layers need not make the best model: the check also writes, for every candidate, the model with that
 * candidate in every layer, measures each on the held-out samples ({@link Sensitivity#drift(io.comq.report.Drift)}:
 * 1 - pooled cosine, or mean cosine, averaged over outputs) beside the per-layer choice, and keeps the least drifting.
 * With parallel calibration a candidate's model is exactly what that method alone writes; with sequential or corrected
 * calibration its layers were fitted to the inputs of the per-layer choice before them, a stand-in, so the caller then
 * fits the best stand-in's method alone, in the same mode, and measures that model too ({@link #alone}).
 */
final class WholeModelCheck {
    /** The per-layer choice's label in {@link Verdict#drift}. */
    static final String PER_LAYER = "per-layer choice";
    /** Above this many weights the check is skipped: it holds every candidate's results at once. */
    static final long MAX_WEIGHTS = 25_000_000L;

    private WholeModelCheck() {
    }

    /**
     * What the check found.
     *
     * @param kept  the candidate whose whole model drifted least, or null when the per-layer choice did
     * @param drift the held-out drift of the per-layer choice and of each candidate's model, in that order
     */
    record Verdict(String kept, Map<String, Double> drift) {
        /** The candidate whose whole model drifted least, whether or not it beat the per-layer choice. */
        String bestCandidate() {
            String best = null;
            for (Map.Entry<String, Double> e : drift.entrySet()) {
                if (!e.getKey().equals(PER_LAYER) && (best == null || e.getValue() < drift.get(best))) {
                    best = e.getKey();
                }
            }
            return best;
        }

        /** The drift of the model that was kept. */
        double keptDrift() {
            return drift.get(kept == null ? PER_LAYER : kept);
        }

        /** This verdict with one more model measured, kept as {@code label} if {@code keep}. */
        Verdict with(String label, double d, boolean keep) {
            Map<String, Double> more = new LinkedHashMap<>(drift);
            more.put(label, d);
            return new Verdict(keep ? label : kept, more);
        }

        /** The report's line on it. */
        String line() {
            StringBuilder b = new StringBuilder("method auto, whole model on the held-out samples: ");
            drift.forEach((label, d) -> b.append(String.format(Locale.ROOT, "%s %.5f; ", label, d)));
            return b.append(kept == null ? "kept the per-layer choice" : "kept " + kept + " in every layer")
                    .toString();
        }
    }

    /** Whether the check applies: auto, something held out, every layer's candidates kept and few enough weights. */
    static boolean applies(ModelJob job, CalibrationSet validate, List<OnnxLayer> layers) {
        long weights = 0;
        for (OnnxLayer l : layers) {
            weights += (long) l.in() * l.out() * l.groups();
        }
        return AccuracyReports.auto(job) && validate != null && weights <= MAX_WEIGHTS;
    }

    /**
     * Measures and, when a candidate's whole model drifts less than the per-layer choice, puts that candidate's results
     * into {@code results} and {@code outcomes} for every layer.
     *
     * @return the verdict, or null when some layer has no kept candidates (restored from a checkpoint)
     */
    static Verdict run(OnnxModel model, List<OnnxLayer> layers, Map<OnnxLayer, List<LayerResult>> results,
                       Map<OnnxLayer, MethodSelector.Outcome> outcomes, OrtSession reference,
                       OrtSession.SessionOptions so, CalibrationSet validate, int batchSize, Path scratch,
                       ProgressListener progress) {
        Set<String> labels = null;
        for (OnnxLayer l : layers) {
            MethodSelector.Outcome o = outcomes.get(l);
            if (o == null || o.all().isEmpty()) {
                return null;
            }
            labels = labels == null ? o.all().keySet() : labels;
        }
        Map<String, Map<OnnxLayer, List<LayerResult>>> models = new LinkedHashMap<>();
        models.put(PER_LAYER, results);
        for (String label : labels) {
            Map<OnnxLayer, List<LayerResult>> candidate = new LinkedHashMap<>();
            for (OnnxLayer l : layers) {
                candidate.put(l, outcomes.get(l).all().get(label));
            }
            if (!candidate.containsValue(null)) { // else not a candidate of every layer
                models.put(label, candidate);
            }
        }
        Verdict measured = new Verdict(null, measure(models, model, reference, so, validate, batchSize, scratch,
                progress));
        String best = measured.bestCandidate();
        if (best == null || measured.drift().get(best) >= measured.drift().get(PER_LAYER)) {
            return measured;
        }
        for (OnnxLayer l : layers) {
            MethodSelector.Outcome o = outcomes.get(l).as(best);
            outcomes.put(l, o);
            results.put(l, o.results());
        }
        return new Verdict(best, measured.drift());
    }

    /**
     * Measures the model of {@code label} fitted alone (its own calibration, in the run's mode) and, when it drifts
     * less than the model the verdict kept, puts its results and outcomes in place of theirs.
     */
    static Verdict alone(Verdict verdict, String label, Map<OnnxLayer, List<LayerResult>> aloneResults,
                         Map<OnnxLayer, MethodSelector.Outcome> aloneOutcomes, OnnxModel model,
                         Map<OnnxLayer, List<LayerResult>> results, Map<OnnxLayer, MethodSelector.Outcome> outcomes,
                         OrtSession reference, OrtSession.SessionOptions so, CalibrationSet validate, int batchSize,
                         Path scratch) {
        String name = label + " fitted alone";
        double d = measure(Map.of(name, aloneResults), model, reference, so, validate, batchSize, scratch,
                ProgressListener.NONE).get(name);
        boolean keep = d < verdict.keptDrift();
        if (keep) {
            results.putAll(aloneResults);
            outcomes.putAll(aloneOutcomes);
        }
        return verdict.with(name, d, keep);
    }

    /** The held-out drift of each model, by name in the same order, written one after another in {@code scratch}. */
    private static Map<String, Double> measure(Map<String, Map<OnnxLayer, List<LayerResult>>> models, OnnxModel model,
                                               OrtSession reference, OrtSession.SessionOptions so,
                                               CalibrationSet validate, int batchSize, Path scratch,
                                               ProgressListener progress) {
        Map<String, Double> drift = new LinkedHashMap<>();
        try {
            Files.createDirectories(scratch);
            Path file = scratch.resolve("whole-model-check.onnx");
            for (Map.Entry<String, Map<OnnxLayer, List<LayerResult>>> m : models.entrySet()) {
                drift.put(m.getKey(), Sensitivity.drift(model, m.getValue(), file, reference, so, validate, batchSize,
                        "a candidate model of method auto"));
                progress.progress(Step.of(Step.Kind.WHOLE_MODEL_CHECK, null, drift.size(), models.size()));
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot use the scratch folder " + scratch + ": " + e.getMessage(), e);
        } finally {
            LayerCalibration.delete(scratch);
        }
        return drift;
    }
}
