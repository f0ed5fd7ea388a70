package io.comq.pipeline;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationPlan;
import io.comq.calibration.OrtTensors;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidModelException;
import io.comq.format.StagingDir;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.format.onnx.OnnxWriter;
import io.comq.format.onnx.WriteOptions;
import io.comq.format.onnx.WriteReport;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.option.Setting;
import io.comq.quant.Cancellation;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.method.MethodConfig;
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
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

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
    private final Cancellation cancellation;

    public ModelQuantizer() {
        this(new Kernels());
    }

    /** A quantizer choosing its kernel among these. */
    public ModelQuantizer(Kernels kernels) {
        this(kernels, Cancellation.NEVER);
    }

    private ModelQuantizer(Kernels kernels, Cancellation cancellation) {
        this.kernels = kernels;
        this.cancellation = cancellation;
    }

    /**
     * This quantizer, stopping at its next safe point (a batch, a layer, a sweep) with
     * {@link io.comq.error.CancelledException} once {@code token} says so; nothing is written then.
     */
    public ModelQuantizer stoppingWhen(Cancellation token) {
        return new ModelQuantizer(kernels, token);
    }

    /**
     * Runs the job and returns the report that was written with the artifacts into {@code job.out()}.
     *
     * @throws io.comq.error.InvalidInputException for bad input (exit 2 in the CLI), with nothing written
     */
    public ModelReport quantize(ModelJob job, ProgressListener progress) {
        ProgressListener p = cancellation.checking(progress == null ? ProgressListener.NONE : progress);
        try (QuantKernel kernel = kernels.create(job.kernel(), job.layer().method().precision())) {
            return job.format().isOnnx() ? onnx(job, p, kernel, null) : SafetensorsRun.run(job, p, kernel);
        }
    }

    /**
     * Runs the job resumably: layers whose results are already in {@code checkpoint} (a {@link LayerResultStore} of
     * the same model, calibration set and settings) are neither calibrated nor quantized again, and every layer
     * finished now is saved there as soon as it is done; once the model is written the checkpoint's files are deleted.
     * ONNX models only.
     *
     * @throws io.comq.error.InvalidInputException also if the checkpoint holds layers of another run
     */
    public ModelReport quantize(ModelJob job, Path checkpoint, ProgressListener progress) {
        requireOnnx(job, "a checkpoint folder");
        return run(job, new Resume(checkpoint, null), progress);
    }

    /**
     * Quantizes one shard's layers ({@link Sharding}) into the shared folder {@code shardDir} and writes no model:
     * {@link Assembler} builds the model once every shard is done. Layers already in the folder are skipped, so a
     * restarted shard resumes. ONNX models only; {@code job.out()} is not written.
     */
    public ShardSummary quantizeShard(ModelJob job, Sharding.Shard shard, Path shardDir, ProgressListener progress) {
        requireOnnx(job, Setting.SHARD.ref());
        ProgressListener p = cancellation.checking(progress == null ? ProgressListener.NONE : progress);
        try (QuantKernel kernel = kernels.create(job.kernel(), job.layer().method().precision())) {
            return shard(job, p, kernel, new Resume(shardDir, shard));
        }
    }

    /** What a shard did: its layers (model order) and how many of them were already in the folder. */
    public record ShardSummary(Sharding.Shard shard, List<String> layers, int reused, Path dir) {
    }

    /** Where finished layers go and come from, and which shard this run is (null: all layers, then the model). */
    private record Resume(Path dir, Sharding.Shard shard) {
    }

    private static void requireOnnx(ModelJob job, String what) {
        if (!job.format().isOnnx()) {
            throw new InvalidConfigException(what + " applies to ONNX models (" + Setting.FORMAT.ref()
                    + " qdq or matmulnbits)");
        }
    }

    private ModelReport run(ModelJob job, Resume resume, ProgressListener progress) {
        ProgressListener p = cancellation.checking(progress == null ? ProgressListener.NONE : progress);
        try (QuantKernel kernel = kernels.create(job.kernel(), job.layer().method().precision())) {
            return onnx(job, p, kernel, resume);
        }
    }

    /** Everything a run on an ONNX model knows once its inputs are read and checked, before any layer is fitted. */
    private record Prepared(OnnxModel model, List<OnnxLayer> layers, Map<OnnxLayer, LayerConfig> configs,
                            CalibrationSet set, CalibrationSplit split, AccuracyOptions.CalibrationMode mode,
                            Map<String, String> settings, LayerResultStore store, List<OnnxLayer> mine,
                            List<OnnxLayer> todo, Map<OnnxLayer, List<LayerResult>> results,
                            Map<OnnxLayer, LayerEntry> restored, Map<OnnxLayer, MethodSelector.Outcome> outcomes,
                            Calibration calibration) {
    }

    /** Loads and checks the model, the calibration set and the settings; restores finished layers from the store. */
    private static Prepared prepare(ModelJob job, OnnxModel model, OrtSession reference, QuantKernel kernel,
                                    Resume resume) throws OrtException {
        List<OnnxLayer> layers = model.layers(job.selection());
        Map<OnnxLayer, LayerConfig> configs = new HashMap<>();
        for (OnnxLayer l : layers) {
            LayerConfig c = RunSettings.configFor(job, job.selection().bits(l, RunSettings.bits(job)));
            RunSettings.checkGroups(c, l.id(), l.in());
            configs.put(l, c);
        }
        CalibrationSet set = CalibrationSet.read(job.calibration());
        set.checkAgainst(OrtTensors.inputs(reference));
        CalibrationSplit split = CalibrationSplit.of(set, job.validationFraction(), job.seed());
        boolean sharded = resume != null && resume.shard != null;
        if (sharded && job.accuracy().calibrationMode() != AccuracyOptions.CalibrationMode.PARALLEL
                && job.accuracy().calibrationMode() != AccuracyOptions.CalibrationMode.AUTO) {
            throw new InvalidConfigException(Setting.SHARD.ref() + " quantizes layers independently and needs "
                    + Setting.CALIBRATION_MODE.ref() + " parallel (or auto); sequential and corrected calibration run "
                    + "the layers in order");
        }
        AccuracyOptions.CalibrationMode mode = LayerCalibration.resolve(job.accuracy().calibrationMode(), model,
                CalibrationPlan.of(model, layers), sharded);
        Map<String, String> settings = RunSettings.of(job, mode, set.samples(), split);
        LayerResultStore store = resume == null ? null : LayerResultStore.open(resume.dir,
                JobFingerprint.header(job, layers, settings, resume.shard == null ? 0 : resume.shard.count()));
        List<OnnxLayer> mine = layers;
        if (sharded) {
            Set<String> ids = Sharding.layersOf(layers, resume.shard);
            mine = layers.stream().filter(l -> ids.contains(l.id())).toList();
        }
        List<OnnxLayer> todo = store == null ? mine : mine.stream().filter(l -> !store.has(l.id())).toList();
        if (resume != null && job.accuracy().mixedPrecision()) {
            throw new InvalidConfigException("mixed precision (" + Setting.AVG_BITS.ref() + ") measures every layer "
                    + "in one run; it cannot be combined with " + Setting.SHARD.ref() + " or "
                    + Setting.CHECKPOINT.ref());
        }
        // layers restored from the checkpoint; sequential calibration runs the model with them quantized
        Map<OnnxLayer, List<LayerResult>> results = new HashMap<>();
        Map<OnnxLayer, LayerEntry> restored = new HashMap<>();
        for (OnnxLayer l : layers) {
            if (store != null && !todo.contains(l) && store.has(l.id())) {
                LayerResultStore.Finished f = store.get(l.id());
                results.put(l, f.results());
                restored.put(l, f.entry());
            }
        }
        Map<OnnxLayer, MethodSelector.Outcome> outcomes = new HashMap<>();
        Calibration c = new Calibration(model, todo, configs, split, job, mode, kernel, store, results, outcomes);
        return new Prepared(model, layers, configs, set, split, mode, settings, store, mine, todo, results, restored,
                outcomes, c);
    }

    /** One shard's layers into the shared folder, no model. */
    private ShardSummary shard(ModelJob job, ProgressListener progress, QuantKernel kernel, Resume resume) {
        OnnxModel model = OnnxModel.load(job.model());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            Prepared p;
            try (OrtSession reference = session(env, job.model(), so, "the model")) {
                p = prepare(job, model, reference, kernel, resume);
            }
            p.calibration().run(resume.dir.resolve(SCRATCH + "-" + resume.shard.index()), false, progress);
            List<String> ids = p.mine().stream().map(OnnxLayer::id).toList();
            p.store().markDone(resume.shard, ids);
            return new ShardSummary(resume.shard, ids, ids.size() - p.todo().size(), resume.dir);
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /** The whole model: every layer (or those not in the checkpoint), then the written model and its report. */
    private ModelReport onnx(ModelJob job, ProgressListener progress, QuantKernel kernel, Resume resume) {
        OnnxModel model = OnnxModel.load(job.model());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession reference = session(env, job.model(), so, "the model")) {
                Prepared p = prepare(job, model, reference, kernel, resume);
                List<OnnxLayer> layers = p.layers();
                Map<OnnxLayer, List<LayerResult>> results = p.results();
                Map<OnnxLayer, MethodSelector.Outcome> outcomes = p.outcomes();
                AccuracyOptions.CalibrationMode mode = p.mode();
                CalibrationSplit split = p.split();
                try (StagingDir stage = StagingDir.open(job.out(), job.force())) {
                    Path scratch = stage.path().resolve(SCRATCH);
                    Map<OnnxLayer, double[]> sensitivity = job.accuracy().mixedPrecision()
                            ? MixedPrecision.choose(job, model, layers, CalibrationPlan.of(model, layers), byId(layers),
                            split, kernel, reference, so, scratch, progress, p.configs()) : null;
                    CalibrationSet validate = split.hasValidation() ? split.validate() : null;
                    boolean check = WholeModelCheck.applies(job, validate, layers);
                    p.calibration().run(scratch, check, progress);
                    WholeModelCheck.Verdict perLayer = check ? WholeModelCheck.run(model, layers, results,
                            outcomes, reference, so, validate, job.batchSize(), scratch, progress) : null;
                    boolean inOrder = mode != AccuracyOptions.CalibrationMode.PARALLEL;
                    WholeModelCheck.Verdict verdict = perLayer == null || !inOrder ? perLayer
                            : aloneInOrder(perLayer, model, layers, p.configs(), split, job, mode, kernel, results,
                            outcomes, reference, so, scratch, progress);
                    Map<OnnxLayer, List<LayerResult>> ordered = new LinkedHashMap<>();
                    List<LayerEntry> entries = new ArrayList<>();
                    for (OnnxLayer l : layers) {
                        ordered.put(l, results.get(l));
                        entries.add(p.restored().containsKey(l) ? p.restored().get(l) : entry(l, results.get(l)));
                    }
                    AccuracyReports.Worst worst = new AccuracyReports.Worst(CalibrationSplit.validationIndices(
                            p.set().samples(), job.validationFraction(), job.seed()));
                    List<OnnxLayer> measured = layers.stream().filter(outcomes::containsKey).toList();
                    ModelReport report = writeOnnx(new OnnxOutput(stage, job.format(), job.model().toString(),
                            job.batchSize(), p.settings()), model, ordered, entries, env, so, reference,
                            validate, progress, worst,
                            r -> r.withAccuracy(AccuracyReports.of(job.accuracy().withCalibrationMode(mode),
                                    measured, outcomes, AccuracyReports.auto(job),
                                    worst.worst(job.accuracy().worstSamples()), sensitivity, verdict)));
                    stage.commit(job.force());
                    if (p.store() != null) {
                        p.store().delete(); // the checkpoint served its purpose; a later run starts afresh
                    }
                    return report;
                }
            }
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /**
     * In sequential and corrected calibration a candidate's whole model in {@link WholeModelCheck} was fitted to the
     * per-layer choice's inputs: fits the best such candidate's method alone (one more calibration in {@code mode}),
     * measures it on the held-out samples and keeps it, in {@code results} and {@code outcomes}, if it drifts least.
     */
    private static WholeModelCheck.Verdict aloneInOrder(WholeModelCheck.Verdict verdict, OnnxModel model,
                                                        List<OnnxLayer> layers, Map<OnnxLayer, LayerConfig> configs,
                                                        CalibrationSplit split, ModelJob job,
                                                        AccuracyOptions.CalibrationMode mode, QuantKernel kernel,
                                                        Map<OnnxLayer, List<LayerResult>> results,
                                                        Map<OnnxLayer, MethodSelector.Outcome> outcomes,
                                                        OrtSession reference, OrtSession.SessionOptions so,
                                                        Path scratch, ProgressListener progress) {
        String label = verdict.bestCandidate();
        if (label == null) {
            return verdict;
        }
        Map<OnnxLayer, LayerConfig> alone = new HashMap<>();
        for (OnnxLayer l : layers) {
            LayerConfig c = configs.get(l);
            MethodConfig m = ((AutoConfig) c.method()).candidates().stream()
                    .filter(x -> x.label().equals(label)).findFirst().orElse(null);
            if (m == null) {
                return verdict;
            }
            alone.put(l, new LayerConfig(m, c.biasCompensation()));
        }
        Map<OnnxLayer, List<LayerResult>> aloneResults = new HashMap<>();
        Map<OnnxLayer, MethodSelector.Outcome> aloneOutcomes = new HashMap<>();
        new Calibration(model, layers, alone, split, job, mode, kernel, null, aloneResults, aloneOutcomes)
                .run(scratch, false, progress);
        return WholeModelCheck.alone(verdict, label, aloneResults, aloneOutcomes, model, results, outcomes, reference,
                so, split.validate(), job.batchSize(), scratch);
    }

    private static Map<String, OnnxLayer> byId(List<OnnxLayer> layers) {
        Map<String, OnnxLayer> byId = new HashMap<>();
        for (OnnxLayer l : layers) {
            byId.put(l.id(), l);
        }
        return byId;
    }

    /**
     * Calibrates the layers still to do on the fit part (and the held-out part), picks each layer's method
     * ({@link MethodSelector}) as its statistics arrive, and saves each result to the store when there is one.
     * {@code results} holds the layers restored from a checkpoint on entry and every layer on return.
     */
    private record Calibration(OnnxModel model, List<OnnxLayer> todo, Map<OnnxLayer, LayerConfig> configs,
                               CalibrationSplit split, ModelJob job, AccuracyOptions.CalibrationMode mode,
                               QuantKernel kernel, LayerResultStore store,
                               Map<OnnxLayer, List<LayerResult>> results,
                               Map<OnnxLayer, MethodSelector.Outcome> outcomes) {

        /** @param keepAll keep every candidate's results of {@code --method auto} (for {@link WholeModelCheck}) */
        void run(Path scratch, boolean keepAll, ProgressListener progress) {
            if (todo.isEmpty()) {
                return;
            }
            Map<String, OnnxLayer> byId = byId(todo);
            MethodSelector selector = new MethodSelector(new LayerQuantizer(kernel));
            int[] finished = {0};
            LayerCalibration.run(mode, model, CalibrationPlan.of(model, todo), byId,
                    split, CalibrationOptions.defaults().withBatchSize(job.batchSize()).withMaskInput(MASK_INPUT),
                    kernel, scratch, progress, (stats, held) -> {
                        OnnxLayer l = byId.get(stats.target().layerName());
                        MethodSelector.Outcome chosen = selector.quantize(model.weights(l), stats, held,
                                configs.get(l), keepAll, progress);
                        Map<String, List<LayerResult>> all = new LinkedHashMap<>();
                        chosen.all().forEach((label, r) -> all.put(label, r.stream().map(stats::noted).toList()));
                        List<LayerResult> rs = chosen.results().stream().map(stats::noted).toList();
                        MethodSelector.Outcome o = new MethodSelector.Outcome(rs, chosen.method(), chosen.fitError(),
                                chosen.validError(), chosen.candidates(), all);
                        outcomes.put(l, o);
                        results.put(l, rs);
                        if (store != null) {
                            store.put(l.id(), rs, entry(l, rs));
                        }
                        progress.progress(Step.of(Step.Kind.LAYER_QUANTIZED, l.id(), ++finished[0], todo.size()));
                    }, results);
        }
    }

    /**
     * Where and how the quantized ONNX model goes: the staging folder, the format, the model's name for the report,
     * the evaluation batch size and the report's settings.
     */
    record OnnxOutput(StagingDir stage, OutputFormat format, String modelName, int batchSize,
                      Map<String, String> settings) {
    }

    /**
     * Writes the quantized model, measures the drift on {@code validate} when given, and writes the report, all into
     * the staging folder (not committed here).
     */
    static ModelReport writeOnnx(OnnxOutput out, OnnxModel model, Map<OnnxLayer, List<LayerResult>> ordered,
                                 List<LayerEntry> entries, OrtEnvironment env, OrtSession.SessionOptions so,
                                 OrtSession reference, CalibrationSet validate, ProgressListener progress,
                                 DriftEvaluator.SampleSink samples, UnaryOperator<ModelReport> finish)
            throws OrtException {
        Path dir = out.stage().path();
        Path file = dir.resolve(MODEL_FILE);
        WriteReport written = new OnnxWriter().write(model, ordered, file, WriteOptions.of(out.format().onnx()));
        Drift drift = null;
        if (validate != null && reference != null) {
            try (OrtSession quantized = session(env, file, so, "the quantized model")) {
                drift = samples == null
                        ? DriftEvaluator.evaluate(reference, quantized, validate, out.batchSize(), MASK_INPUT, progress)
                        : DriftEvaluator.evaluate(reference, quantized, validate, out.batchSize(), MASK_INPUT, progress,
                        samples);
            }
        }
        List<Artifact> artifacts = new ArrayList<>();
        artifacts.add(Artifact.of(dir, file));
        if (written.externalData() != null) {
            artifacts.add(Artifact.of(dir, written.externalData()));
        }
        Map<String, String> settings = new LinkedHashMap<>(out.settings());
        settings.put("opset", Long.toString(written.opset()));
        ModelReport report = finish.apply(ModelReport.of(TOOL, out.modelName(), settings, entries, drift, artifacts));
        Reports.write(dir, report);
        return report;
    }

    static OrtSession session(OrtEnvironment env, Path file, OrtSession.SessionOptions so, String what) {
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






}
