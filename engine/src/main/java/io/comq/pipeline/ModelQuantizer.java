package io.comq.pipeline;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationTarget;
import io.comq.calibration.CalibrationTargets;
import io.comq.calibration.OrtTensors;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidModelException;
import io.comq.format.gptq.GptqCheckpointWriter;
import io.comq.format.gptq.GptqFormat;
import io.comq.format.StagingDir;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.format.onnx.OnnxWriter;
import io.comq.format.onnx.WriteOptions;
import io.comq.format.onnx.WriteReport;
import io.comq.format.safetensors.GramDir;
import io.comq.format.safetensors.LinearLayer;
import io.comq.format.safetensors.LinearLayers;
import io.comq.format.safetensors.SafetensorsCheckpoint;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.quant.AutoConfig;
import io.comq.quant.GridSpec;
import io.comq.quant.LayerConfig;
import io.comq.quant.LayerProblem;
import io.comq.quant.LayerQuantizer;
import io.comq.quant.LayerResult;
import io.comq.quant.MethodConfig;
import io.comq.quant.ProgressListener;
import io.comq.quant.comq.ComqConfig;
import io.comq.quant.gptq.GptqConfig;
import io.comq.quant.rtn.RtnConfig;
import io.comq.report.Artifact;
import io.comq.report.Drift;
import io.comq.report.LayerEntry;
import io.comq.report.ModelReport;
import io.comq.report.Reports;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The public entry point for quantizing a whole model: see the package documentation for the steps. Every problem the
 * user can fix (model, calibration set, options, output folder) is an {@link io.comq.error.InvalidInputException}
 * thrown before the output folder appears; nothing partial is left behind.
 */
public final class ModelQuantizer {
    /** The tool named in reports. */
    public static final String TOOL = "comq 0.1.0";
    /** The quantized ONNX model's file name in the output folder. */
    public static final String MODEL_FILE = "model.onnx";
    /** The model input whose zeros mark padding. */
    public static final String MASK_INPUT = "attention_mask";

    /** The scratch folder of sequential calibration inside the staging folder (deleted before the commit). */
    static final String SCRATCH = ".calibration-scratch";

    private final Kernels kernels;

    public ModelQuantizer() {
        this(new Kernels());
    }

    /** A quantizer choosing its kernel among these. */
    public ModelQuantizer(Kernels kernels) {
        this.kernels = kernels;
    }

    /**
     * Runs the job and returns the report that was written with the artifacts into {@code job.out()}.
     *
     * @throws io.comq.error.InvalidInputException for bad input (exit 2 in the CLI), with nothing written
     */
    public ModelReport quantize(ModelJob job, ProgressListener progress) {
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        try (QuantKernel kernel = kernels.create(job.kernel(), job.layer().method().precision())) {
            return job.format().isOnnx() ? onnx(job, p, kernel) : safetensors(job, p, kernel);
        }
    }

    private ModelReport onnx(ModelJob job, ProgressListener progress, QuantKernel kernel) {
        OnnxModel model = OnnxModel.load(job.model());
        List<OnnxLayer> layers = model.layers(job.selection());
        List<CalibrationTarget> targets = CalibrationTargets.of(layers);
        Map<String, OnnxLayer> byId = new HashMap<>();
        Map<OnnxLayer, LayerConfig> configs = new HashMap<>();
        for (OnnxLayer l : layers) {
            byId.put(l.id(), l);
            LayerConfig c = configFor(job, job.selection().bits(l, bits(job)));
            checkGroups(c, l.id(), l.in());
            configs.put(l, c);
        }
        CalibrationSet set = CalibrationSet.read(job.calibration());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession reference = session(env, job.model(), so, "the model")) {
                set.checkAgainst(OrtTensors.inputs(reference));
                CalibrationSplit split = CalibrationSplit.of(set, job.validationFraction(), job.seed());
                try (StagingDir stage = StagingDir.open(job.out(), job.force())) {
                    Map<OnnxLayer, double[]> sensitivity = job.accuracy().mixedPrecision()
                            ? MixedPrecision.choose(job, model, layers, targets, byId, split, kernel, reference, so,
                            stage.path().resolve(SCRATCH), progress, configs) : null;
                    Map<OnnxLayer, List<LayerResult>> results = new HashMap<>();
                    Map<OnnxLayer, MethodSelector.Outcome> outcomes = new HashMap<>();
                    MethodSelector selector = new MethodSelector(new LayerQuantizer(kernel));
                    LayerCalibration.run(job.accuracy().calibrationMode(), model, targets, byId, split,
                            CalibrationOptions.defaults().withBatchSize(job.batchSize()).withMaskInput(MASK_INPUT),
                            kernel, stage.path().resolve(SCRATCH), progress, (stats, held) -> {
                                OnnxLayer l = byId.get(stats.target().layerName());
                                MethodSelector.Outcome o = selector.quantize(model.weights(l), stats, held,
                                        configs.get(l), progress);
                                outcomes.put(l, o);
                                results.put(l, o.results());
                                progress.progress("quantized " + l.id(), results.size(), layers.size());
                            }, results);
                    Map<OnnxLayer, List<LayerResult>> ordered = new LinkedHashMap<>();
                    List<LayerEntry> entries = new ArrayList<>();
                    for (OnnxLayer l : layers) {
                        ordered.put(l, results.get(l));
                        entries.add(entry(l, results.get(l)));
                    }
                    Path file = stage.path().resolve(MODEL_FILE);
                    WriteReport written = new OnnxWriter().write(model, ordered, file,
                            WriteOptions.of(job.format().onnx()));
                    Drift drift = null;
                    AccuracyReports.Worst worst = new AccuracyReports.Worst(CalibrationSplit.validationIndices(
                            set.samples(), job.validationFraction(), job.seed()));
                    if (split.hasValidation()) {
                        try (OrtSession quantized = session(env, file, so, "the quantized model")) {
                            drift = DriftEvaluator.evaluate(reference, quantized, split.validate(), job.batchSize(),
                                    MASK_INPUT, progress, worst);
                        }
                    }
                    List<Artifact> artifacts = new ArrayList<>();
                    artifacts.add(Artifact.of(stage.path(), file));
                    if (written.externalData() != null) {
                        artifacts.add(Artifact.of(stage.path(), written.externalData()));
                    }
                    Map<String, String> settings = settings(job, set.samples(), split);
                    settings.put("opset", Long.toString(written.opset()));
                    ModelReport report = ModelReport.of(TOOL, job.model().toString(), settings, entries, drift,
                            artifacts).withAccuracy(AccuracyReports.of(job.accuracy(), layers, outcomes,
                            AccuracyReports.auto(job), worst.worst(job.accuracy().worstSamples()), sensitivity));
                    Reports.write(stage.path(), report);
                    stage.commit(job.force());
                    return report;
                }
            }
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private static OrtSession session(OrtEnvironment env, Path file, OrtSession.SessionOptions so, String what) {
        try {
            return env.createSession(file.toString(), so);
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime cannot load " + what + " " + file + ": " + e.getMessage(),
                    e);
        }
    }

    /** One report row per layer; a grouped conv's groups are summed (time) and averaged (errors). */
    private static LayerEntry entry(OnnxLayer l, List<LayerResult> rs) {
        List<Integer> shape = new ArrayList<>();
        for (long d : l.weightShape()) {
            shape.add(Math.toIntExact(d));
        }
        LayerEntry first = LayerEntry.of(l.id(), l.opType(), shape, rs.get(0));
        if (rs.size() == 1) {
            return first;
        }
        double rtn = 0;
        double rel = 0;
        double ms = 0;
        Set<String> guards = new LinkedHashSet<>();
        for (LayerResult r : rs) {
            rtn += r.rtnRelError();
            rel += r.relError();
            ms += r.stats().nanos() / 1e6;
            guards.addAll(r.stats().guards());
        }
        return new LayerEntry(first.name(), first.op(), shape, first.bits(), first.groupSize(), first.grid(),
                first.method(), rtn / rs.size(), rel / rs.size(), first.sweeps(), ms, first.backend(), first.device(),
                new ArrayList<>(guards));
    }

    private ModelReport safetensors(ModelJob job, ProgressListener progress, QuantKernel kernel) {
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(job.model());
        LayerSelection sel = job.selection();
        List<LinearLayer> layers = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        for (LinearLayer l : LinearLayers.find(ck)) {
            known.add(l.tensor());
            known.add(l.prefix());
            if (!excluded(sel, l)) {
                layers.add(l);
            }
        }
        if (known.isEmpty()) {
            throw new InvalidModelException(job.model() + ": no quantizable layer found: no 2-D float '.weight' "
                    + "tensor outside embeddings, norms and lm_head");
        }
        for (String k : sel.bitOverrides().keySet()) {
            if (!known.contains(k)) {
                throw new InvalidConfigException("bit override '" + k + "' names no linear layer of the checkpoint");
            }
        }
        if (layers.isEmpty()) {
            throw new InvalidConfigException("the layer selection (exclude " + sel.exclude() + ") leaves none of the "
                    + "checkpoint's " + known.size() / 2 + " linear layers");
        }
        GramDir grams = GramDir.open(job.gramDir());
        Map<LinearLayer, LayerConfig> configs = new HashMap<>();
        for (LinearLayer l : layers) {
            if (!grams.has(l.tensor())) {
                throw new InvalidConfigException("--gram-dir " + job.gramDir() + " has no Gram matrix for layer \""
                        + l.tensor() + "\"; add it or exclude the layer");
            }
            Integer b = sel.bitOverrides().get(l.tensor());
            b = b == null ? sel.bitOverrides().get(l.prefix()) : b;
            LayerConfig c = configFor(job, b == null ? bits(job) : b);
            checkGroups(c, l.tensor(), l.in());
            configs.put(l, c);
        }
        try (StagingDir stage = StagingDir.open(job.out(), job.force())) {
            LayerQuantizer quantizer = new LayerQuantizer(kernel);
            Map<String, LayerResult> results = new LinkedHashMap<>();
            List<LayerEntry> entries = new ArrayList<>();
            for (LinearLayer l : layers) {
                LayerProblem problem = new LayerProblem(l.weight(ck), grams.gram(l), null, 0);
                LayerResult r = quantizer.quantize(problem, configs.get(l), progress);
                results.put(l.tensor(), r);
                entries.add(LayerEntry.of(l.tensor(), "Linear", List.of(l.out(), l.in()), r));
                progress.progress("quantized " + l.tensor(), results.size(), layers.size());
            }
            GptqCheckpointWriter.Written written = GptqCheckpointWriter.write(ck, results, stage.path(),
                    GptqFormat.GPTQ);
            List<Artifact> artifacts = new ArrayList<>();
            for (Path f : written.files()) {
                artifacts.add(Artifact.of(stage.path(), stage.path().resolve(f)));
            }
            ModelReport report = ModelReport.of(TOOL, job.model().toString(), settings(job, 0, null), entries, null,
                    artifacts);
            Reports.write(stage.path(), report);
            stage.commit(job.force());
            return report;
        }
    }

    private static boolean excluded(LayerSelection sel, LinearLayer l) {
        for (String r : sel.exclude()) {
            Pattern p = Pattern.compile(r);
            if (p.matcher(l.tensor()).find()) {
                return true;
            }
        }
        return false;
    }

    private static int bits(ModelJob job) {
        return job.layer().method().grid().bits();
    }

    static void checkGroups(LayerConfig c, String layer, int in) {
        try {
            c.method().grid().groups(in);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("layer " + layer + ": " + e.getMessage() + " (exclude the layer or "
                    + "choose another group size)");
        }
    }

    /** The job's layer settings at {@code bits}. */
    static LayerConfig configFor(ModelJob job, int bits) {
        MethodConfig m = job.layer().method();
        if (m.grid().bits() == bits) {
            return job.layer();
        }
        MethodConfig at = AutoConfig.onGrid(m, m.grid().withBits(bits));
        return new LayerConfig(at, job.layer().biasCompensation());
    }

    private static Map<String, String> settings(ModelJob job, int samples, CalibrationSplit split) {
        MethodConfig m = job.layer().method();
        GridSpec g = m.grid();
        Map<String, String> s = new LinkedHashMap<>();
        s.put("format", job.format().id());
        s.put("method", m.method());
        if (m instanceof AutoConfig a) {
            List<String> labels = new ArrayList<>();
            a.candidates().forEach(c -> labels.add(AutoConfig.label(c)));
            s.put("candidates", String.join(" ", labels));
        }
        if (m instanceof ComqConfig) {
            ComqConfig c = (ComqConfig) m;
            s.put("sweeps", Integer.toString(c.sweeps()));
            s.put("order", c.order().id());
            s.put("init", c.init().id());
            s.put("scale_update", c.scaleUpdate().id());
        }
        GptqConfig q = m instanceof GptqConfig ? (GptqConfig) m
                : m instanceof ComqConfig ? ((ComqConfig) m).gptq() : null;
        if (q != null) {
            s.put("damp", Double.toString(q.damp()));
            s.put("act_order", Boolean.toString(q.actOrder()));
        }
        s.put("bits", Integer.toString(g.bits()));
        s.put("grid", g.grid().id());
        s.put("group_size", Integer.toString(g.groupSize()));
        s.put("ratio", Double.toString(g.ratio()));
        s.put("tie", g.tie().id());
        s.put("precision", m.precision().id());
        s.put("bias_correction", Boolean.toString(job.layer().biasCompensation()));
        if (!job.selection().exclude().isEmpty()) {
            s.put("exclude", String.join(" ", job.selection().exclude()));
        }
        if (!job.selection().opTypes().isEmpty()) {
            s.put("op_types", String.join(" ", job.selection().opTypes()));
        }
        if (!job.selection().bitOverrides().isEmpty()) {
            s.put("layer_bits", job.selection().bitOverrides().toString());
        }
        s.put("backend", job.kernel().backend());
        if (job.format().isOnnx()) {
            s.put("calibration", job.calibration().toString());
            s.put("calibration_samples", Integer.toString(samples));
            s.put("fit_samples", Integer.toString(split.fit().samples()));
            s.put("validation_samples", Integer.toString(split.hasValidation() ? split.validate().samples() : 0));
            s.put("validation_fraction", String.format(Locale.ROOT, "%s", job.validationFraction()));
            s.put("batch_size", Integer.toString(job.batchSize()));
            s.put("calibration_mode", job.accuracy().calibrationMode().id());
            if (job.accuracy().mixedPrecision()) {
                s.put("avg_bits", Double.toString(job.accuracy().avgBits()));
                s.put("candidate_bits", job.accuracy().candidateBits().toString());
            }
        } else {
            s.put("gram_dir", job.gramDir().toString());
        }
        return s;
    }
}
