package io.comq.pipeline;

import io.comq.format.Folders;
import ai.onnx.proto.OnnxMl;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationPlan;
import io.comq.calibration.CalibrationTarget;
import io.comq.calibration.Calibrator;
import io.comq.calibration.LayerStatistics;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.format.onnx.OnnxWriter;
import io.comq.format.onnx.QuantFormat;
import io.comq.format.onnx.WriteOptions;
import io.comq.kernel.QuantKernel;
import io.comq.layer.LayerResult;
import io.comq.option.Setting;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Produces every layer's statistics on the fit and held-out parts of the calibration set, in one of the
 * {@link AccuracyOptions.CalibrationMode}s, and hands them to a sink that quantizes the layer.
 *
 * <p>Sequential: layers are taken in stages, one stage per activation tensor in model order (layers reading the same
 * tensor, such as attention's Q, K and V projections, share a stage; none of them can feed another). Before each
 * stage after the first, the model with every finished layer replaced by its quantized weights (QDQ, bias correction
 * included) is written to a scratch file and calibrated for that stage's layers only; batches stream through ONNX
 * Runtime as in the parallel mode, so no more than one batch of activations is ever held.
 *
 * <p>Corrected: sequential, with the float model run beside the partly quantized one on every batch, so that each
 * MatMul/Gemm layer gets joint statistics and fits the float layer's output (see
 * {@link io.comq.calibration.GramAccumulator#joint}).
 */
final class LayerCalibration {
    private LayerCalibration() {
    }

    /**
     * Calibrates every target and calls {@code sink} with its fit and held-out statistics (the latter null when the
     * split holds nothing out); the sink must have put the layer's results into {@code done} before it returns.
     *
     * @param scratch a folder for the partly quantized models (sequential mode), deleted before this returns
     */
    static void run(AccuracyOptions.CalibrationMode mode, OnnxModel model, CalibrationPlan plan,
                    Map<String, OnnxLayer> byId, CalibrationSplit split, CalibrationOptions options,
                    QuantKernel kernel, Path scratch, ProgressListener progress,
                    BiConsumer<LayerStatistics, LayerStatistics> sink, Map<OnnxLayer, List<LayerResult>> done) {
        var validation = split.hasValidation() ? split.validate() : null;
        if (mode == AccuracyOptions.CalibrationMode.PARALLEL) {
            new Calibrator(kernel, plan.externalDataDir()).calibrate(plan.model(), plan.targets(), split.fit(),
                    validation, options, progress, sink);
            return;
        }
        if (plan.model() != model.proto()) {
            throw new InvalidConfigException("sequential calibration does not reach layers inside If/Loop/Scan "
                    + "bodies; use " + Setting.CALIBRATION_MODE.ref() + " parallel for this model");
        }
        List<List<CalibrationTarget>> stages = stages(plan.targets());
        try {
            Files.createDirectories(scratch);
            Path file = scratch.resolve("partly-quantized.onnx");
            for (int s = 0; s < stages.size(); s++) {
                OnnxMl.ModelProto proto = model.proto();
                Calibrator calibrator = new Calibrator(kernel, plan.externalDataDir());
                if (!done.isEmpty()) {
                    // external float tensors, if any, are written beside the partly quantized model
                    new OnnxWriter().write(model, done, file, WriteOptions.of(QuantFormat.QDQ));
                    proto = Calibrator.readModel(file);
                    calibrator = new Calibrator(kernel, scratch);
                }
                String label = "stage " + (s + 1) + "/" + stages.size() + " (" + stages.get(s).get(0).layerName()
                        + (stages.get(s).size() > 1 ? " +" + (stages.get(s).size() - 1) : "") + ")";
                ProgressListener inStage = new ProgressListener() {
                    @Override
                    public void progress(Step step) {
                        boolean pass = step.kind() == Step.Kind.CALIBRATION_PASS
                                || step.kind() == Step.Kind.VALIDATION_PASS
                                || step.kind() == Step.Kind.LAYER_CALIBRATED;
                        progress.progress(pass ? step.within(label) : step);
                    }
                };
                Calibrator.Reference reference = mode == AccuracyOptions.CalibrationMode.CORRECTED && !done.isEmpty()
                        ? new Calibrator.Reference(model.proto(), plan.externalDataDir()) : null;
                calibrator.calibrate(proto, reference, stages.get(s), split.fit(), validation, options, inStage,
                        (fit, held) -> {
                            sink.accept(fit, held);
                            if (!done.containsKey(byId.get(fit.target().layerName()))) {
                                throw new IllegalStateException("the sink left no result for "
                                        + fit.target().layerName());
                            }
                        });
            }
        } catch (IOException e) {
            throw new InvalidInputException("cannot use the scratch folder " + scratch + ": " + e.getMessage(), e);
        } finally {
            delete(scratch);
        }
    }

    /**
     * The mode a run calibrates in: {@code asked}, or for {@link AccuracyOptions.CalibrationMode#AUTO} corrected or
     * parallel by the rule given there.
     *
     * @param sharded whether the run quantizes one shard of several
     */
    static AccuracyOptions.CalibrationMode resolve(AccuracyOptions.CalibrationMode asked, OnnxModel model,
                                                   CalibrationPlan plan, boolean sharded) {
        if (asked != AccuracyOptions.CalibrationMode.AUTO) {
            return asked;
        }
        boolean dense = plan.targets().stream().allMatch(t -> t.conv() == null);
        return !sharded && dense && plan.model() == model.proto()
                && stages(plan.targets()).size() <= AccuracyOptions.AUTO_MAX_STAGES
                ? AccuracyOptions.CalibrationMode.CORRECTED : AccuracyOptions.CalibrationMode.PARALLEL;
    }

    /** Targets grouped by activation tensor, in order of each tensor's first reader. */
    static List<List<CalibrationTarget>> stages(List<CalibrationTarget> targets) {
        Map<String, List<CalibrationTarget>> byTensor = new LinkedHashMap<>();
        for (CalibrationTarget t : targets) {
            byTensor.computeIfAbsent(t.activationTensor(), k -> new ArrayList<>()).add(t);
        }
        return new ArrayList<>(byTensor.values());
    }

    /** Deletes a scratch folder and everything in it. */
    static void delete(Path dir) {
        try {
            Folders.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the scratch folder " + dir, e);
        }
    }
}
