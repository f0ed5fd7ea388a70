package io.comq.pipeline;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.OrtTensors;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.error.InvalidModelException;
import io.comq.format.StagingDir;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.layer.LayerResult;
import io.comq.option.Setting;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.report.LayerEntry;
import io.comq.report.ModelReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Builds the final model and report of a sharded run from the per-layer results every shard left in the shared folder
 * ({@link LayerResultStore}): checks that the folder belongs to this model (and calibration set, when given), that
 * every shard finished and every layer is there, writes the model exactly as a single-process run would (the same
 * bytes), measures the drift when the calibration set is given, and commits the output folder atomically.
 */
public final class Assembler {

    /**
     * One assembly.
     *
     * @param shards      the shared results folder the shards wrote
     * @param model       the ONNX model the shards quantized
     * @param calibration the calibration set, for the drift on its held-out part; null for no drift
     * @param format      what to write ({@code qdq} or {@code matmulnbits})
     * @param out         the output folder
     * @param force       replace a non-empty output folder
     */
    public record Job(Path shards, Path model, Path calibration, OutputFormat format, Path out, boolean force) {
        public Job {
            if (shards == null || model == null || out == null || format == null) {
                throw new InvalidConfigException("assembling needs the shards folder, the model, the format and the "
                        + "output folder");
            }
            if (!format.isOnnx()) {
                throw new InvalidConfigException("sharded runs write ONNX models: " + Setting.FORMAT.ref()
                        + " qdq or matmulnbits, not "
                        + format.id());
            }
        }
    }

    /**
     * Assembles and returns the report written with the model into {@code job.out()}.
     *
     * @throws InvalidInputException if the folder is incomplete or belongs to another model or calibration set
     */
    public ModelReport assemble(Job job, ProgressListener progress) {
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        LayerResultStore store = LayerResultStore.read(job.shards());
        LayerResultStore.Header h = store.header();
        if (!JobFingerprint.sha256(job.model()).equals(h.modelSha256())) {
            throw new InvalidInputException("the shards in " + job.shards() + " quantized another model (" + h.model()
                    + "), not " + job.model());
        }
        if (job.calibration() != null && !JobFingerprint.sha256(job.calibration()).equals(h.calibrationSha256())) {
            throw new InvalidInputException("the shards in " + job.shards() + " were calibrated on another set than "
                    + job.calibration());
        }
        List<String> missing = store.missing();
        if (!missing.isEmpty()) {
            throw new InvalidInputException(job.shards() + " is incomplete: " + missing.size() + " of "
                    + h.layers().size() + " layers missing (" + missing.stream().limit(5)
                    .collect(Collectors.joining(", ")) + (missing.size() > 5 ? ", ..." : "") + "); shards not done: "
                    + store.unfinishedShards() + " of " + h.shards());
        }
        StagingDir.checkTarget(job.out(), job.force());
        OnnxModel model = OnnxModel.load(job.model());
        Map<String, OnnxLayer> byId = new HashMap<>();
        for (OnnxLayer l : model.layers(LayerSelection.all())) {
            byId.put(l.id(), l);
        }
        Map<OnnxLayer, List<LayerResult>> ordered = new LinkedHashMap<>();
        List<LayerEntry> entries = new ArrayList<>();
        for (String id : h.layers()) {
            OnnxLayer l = byId.get(id);
            if (l == null) {
                throw new InvalidModelException("the shards hold layer '" + id + "', which " + job.model()
                        + " does not have");
            }
            LayerResultStore.Finished f = store.get(id);
            ordered.put(l, f.results());
            entries.add(f.entry());
            p.progress(Step.of(Step.Kind.SHARD_READ, id, entries.size(), h.layers().size()));
        }
        Map<String, String> settings = new LinkedHashMap<>(h.settings());
        settings.put("format", job.format().id());
        settings.put("shards", Integer.toString(h.shards()));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
             StagingDir stage = StagingDir.open(job.out(), job.force())) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            ModelQuantizer.OnnxOutput out = new ModelQuantizer.OnnxOutput(stage, job.format(),
                    job.model().toString(), h.batchSize(), settings);
            ModelReport report;
            if (job.calibration() == null) {
                report = ModelQuantizer.writeOnnx(out, model, ordered, entries, env, so, null, null, p, null,
                        UnaryOperator.identity());
            } else {
                CalibrationSet set = CalibrationSet.read(job.calibration());
                try (OrtSession reference = ModelQuantizer.session(env, job.model(), so, "the model")) {
                    set.checkAgainst(OrtTensors.inputs(reference));
                    CalibrationSplit split = CalibrationSplit.of(set, h.validationFraction(), h.seed());
                    report = ModelQuantizer.writeOnnx(out, model, ordered, entries, env, so, reference,
                            split.hasValidation() ? split.validate() : null, p, null, UnaryOperator.identity());
                }
            }
            stage.commit(job.force());
            return report;
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }
}
