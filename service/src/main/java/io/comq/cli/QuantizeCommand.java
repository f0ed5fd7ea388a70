package io.comq.cli;

import io.comq.error.InvalidConfigException;
import io.comq.format.onnx.LayerSelection;
import io.comq.layer.LayerConfig;
import io.comq.option.OptionNames;
import io.comq.pipeline.AccuracyOptions;
import io.comq.pipeline.ModelJob;
import io.comq.pipeline.ModelQuantizer;
import io.comq.pipeline.OutputFormat;
import io.comq.pipeline.Sharding;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.quant.method.MethodConfig;
import io.comq.report.Drift;
import io.comq.report.ModelReport;
import io.comq.settings.QuantizeSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code comq quantize}: quantizes every MatMul, Gemm and Conv layer of an ONNX model from a calibration set (or the
 * linear layers of a safetensors checkpoint from precomputed Gram matrices) and writes the quantized model with
 * {@code report.json} and {@code report.html} into a folder that appears atomically.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize a whole model with COMQ, GPTQ or RTN.",
                "ONNX: --model M.onnx --calibration C.npz (one array per model input, samples first) writes "
                        + "model.onnx (QDQ or MatMulNBits), report.json and report.html into --out, with the output "
                        + "drift measured on held-out calibration samples.",
                "Safetensors: --model DIR --gram-dir G --format safetensors writes a GPTQ checkpoint."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error", "2:bad input (options, files, model, calibration data)"})
public final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    MethodOptions methodOptions;

    @Mixin
    RunOptions run;

    @Mixin
    OutputOptions output;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "An .onnx model, or a safetensors checkpoint (file or folder) for --format safetensors.")
    Path model;

    @Option(names = "--calibration", paramLabel = "C.npz",
            description = "Calibration set (.npz or .safetensors), one array per model input, samples on axis 0.")
    Path calibration;

    @Option(names = "--gram-dir", paramLabel = "DIR",
            description = "Gram matrices per layer (<weight name>.npy or .safetensors entries); safetensors only.")
    Path gramDir;

    @Option(names = "--format", defaultValue = "qdq",
            description = "qdq, matmulnbits or safetensors (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folder (must not exist or be empty); required unless --shard is given.")
    Path out;

    @Option(names = "--shard", paramLabel = "I/N",
            description = "Quantize only shard I of N (from 0; a cost-balanced, deterministic share of the layers) "
                    + "into --shard-dir, and write no model: 'comq assemble' does once all shards are done.")
    String shard;

    @Option(names = "--shard-dir", paramLabel = "DIR",
            description = "The folder all shards share (a volume every pod mounts); layers already there are skipped.")
    Path shardDir;

    @Option(names = "--checkpoint", paramLabel = "DIR",
            description = "Save each finished layer into DIR and reuse the layers already there (resume after a "
                    + "crash); deleted once the model is written. ONNX only.")
    Path checkpoint;

    @Option(names = "--precision", defaultValue = "float32", description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--bias-correction", description = "Fold mu^T (W - Wq) into each layer's bias (ONNX only).")
    boolean biasCorrection;

    @Option(names = "--exclude", paramLabel = "REGEX",
            description = "Leave layers whose id, node name or weight name matches REGEX unquantized (repeatable).")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--exclude-op", paramLabel = "TYPE",
            description = "Leave every layer of this op type (MatMul, Gemm, Conv) unquantized (repeatable).")
    List<String> excludeOps = new ArrayList<>();

    @Option(names = "--layer-bits", paramLabel = "NAME=BITS",
            description = "Bits for one layer, by id, node name or weight name, e.g. fc1=8 (repeatable).")
    List<String> layerBits = new ArrayList<>();

    @Option(names = "--batch-size", defaultValue = "16",
            description = "Samples per ONNX Runtime run (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--validation-fraction", defaultValue = "0.2",
            description = "Share of calibration samples held out to measure the output drift, in [0, 1) "
                    + "(default: ${DEFAULT-VALUE}).")
    double validationFraction;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the fit/validation split (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--calibration-mode", defaultValue = "auto",
            description = "parallel: every layer calibrated on the float model, in one pass; sequential: each layer on "
                    + "the outputs of the already-quantized layers before it, one pass per stage; corrected: "
                    + "sequential, each MatMul/Gemm layer fitted to the float layer's output (corrects the error "
                    + "its inputs carry; two model runs per stage); auto: corrected for models of MatMul/Gemm layers "
                    + "with at most " + AccuracyOptions.AUTO_MAX_STAGES + " stages, parallel otherwise and for "
                    + "--shard (default: ${DEFAULT-VALUE}).")
    String calibrationMode;

    @Option(names = "--overfit-ratio", defaultValue = "2.0",
            description = "Flag layers whose held-out error exceeds their fit error by this factor "
                    + "(default: ${DEFAULT-VALUE}).")
    double overfitRatio;

    @Option(names = "--worst-samples", defaultValue = "5",
            description = "Held-out samples with the lowest output cosine listed in the report (default: ${DEFAULT-VALUE}).")
    int worstSamples;

    @Option(names = "--avg-bits", defaultValue = "0",
            description = "Mixed precision: choose each layer's bits among --candidate-bits by its measured effect on "
                    + "the held-out output drift, at most this weight-weighted average; 0 = off "
                    + "(default: ${DEFAULT-VALUE}).")
    double avgBits;

    @Option(names = "--candidate-bits", split = ",", defaultValue = "3,4,8", paramLabel = "B,B,...",
            description = "Bits a layer may get with --avg-bits (default: ${DEFAULT-VALUE}).")
    List<Integer> candidateBits;

    private final boolean terminal;

    /** A command whose stderr is not a terminal (progress as plain lines). */
    public QuantizeCommand() {
        this(false);
    }

    QuantizeCommand(boolean terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        if (shard != null) {
            return shard();
        }
        if (shardDir != null) {
            throw new InvalidConfigException("--shard-dir needs --shard I/N");
        }
        if (out == null) {
            throw new InvalidConfigException("--out DIR is required (unless --shard is given)");
        }
        ModelJob job = job();
        PrintWriter err = spec.commandLine().getErr();
        KernelNotice.print(err, run.backend);
        ProgressReporter.Mode mode = ProgressReporter.choose(output.noProgress, terminal);
        ProgressReporter bar = new ProgressReporter(err, mode);
        ModelReport report;
        try {
            Lines lines = new Lines(bar, err, mode == ProgressReporter.Mode.LINES);
            report = checkpoint == null ? new ModelQuantizer().quantize(job, lines)
                    : new ModelQuantizer().quantize(job, checkpoint, lines);
        } finally {
            bar.finish();
        }
        spec.commandLine().getOut().println(summary(report));
        if (report.accuracy() != null) {
            for (String w : report.accuracy().warnings()) {
                err.println("comq: warning: " + OptionNames.CLI.render(w));
            }
        }
        MathWarning.print(err);
        return Main.EXIT_OK;
    }

    /** {@code --shard I/N}: this shard's layers into the shared folder, no model. */
    private int shard() {
        Sharding.Shard s = Sharding.Shard.parse(shard);
        if (shardDir == null) {
            throw new InvalidConfigException("--shard needs --shard-dir DIR, the folder all shards share");
        }
        if (out != null || checkpoint != null) {
            throw new InvalidConfigException("--shard writes into --shard-dir only; drop --out and --checkpoint (the "
                    + "model comes from 'comq assemble')");
        }
        ModelJob job = job(shardDir);
        PrintWriter err = spec.commandLine().getErr();
        ProgressReporter.Mode mode = ProgressReporter.choose(output.noProgress, terminal);
        ProgressReporter bar = new ProgressReporter(err, mode);
        ModelQuantizer.ShardSummary done;
        try {
            done = new ModelQuantizer().quantizeShard(job, s, shardDir,
                    new Lines(bar, err, mode == ProgressReporter.Mode.LINES));
        } finally {
            bar.finish();
        }
        spec.commandLine().getOut().printf(Locale.ROOT, "comq: shard %s done: %d layers in %s (%d already there)%n",
                s, done.layers().size(), shardDir, done.reused());
        MathWarning.print(err);
        return Main.EXIT_OK;
    }

    /** The validated job from the options. */
    ModelJob job() {
        return job(out);
    }

    private ModelJob job(Path target) {
        Map<String, Integer> bits = LayerSelection.overrides(layerBits);
        QuantizeSettings settings = methodOptions.settings(precision, spec).biasCorrection(biasCorrection)
                .format(format).exclude(exclude).excludeOps(excludeOps).layerBits(bits).batchSize(batchSize)
                .validationFraction(validationFraction).seed(seed).backend(run.backend).threads(run.threads)
                .calibrationMode(calibrationMode).avgBits(avgBits).candidateBits(candidateBits)
                .overfitRatio(overfitRatio).worstSamples(worstSamples).build().resolved(OptionNames.CLI);
        return settings.modelJob(model, calibration, gramDir, target, run.device, output.force);
    }

    private String summary(ModelReport r) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "comq: wrote %s: %d layers (%,d weights) %s %d-bit as %s, mean rel error %.4e (rtn %.4e)",
                out, r.totals().layers(), r.totals().parameters(), r.settings().get("method"),
                methodOptions.bits, format, r.totals().meanRelError(), r.totals().meanRtnRelError()));
        Drift d = r.drift();
        if (d != null && d.outputs() != null) {
            for (Drift.Output o : d.outputs()) {
                s.append(String.format(Locale.ROOT, "; output %s on %d held-out samples: rel drift mean %.4e max "
                        + "%.4e, cosine %.6f", o.name(), d.samples(), o.meanRelL2(), o.maxRelL2(), o.meanCosine()));
                if (o.pooledCosine() != null) {
                    s.append(String.format(Locale.ROOT, ", pooled cosine %.6f", o.pooledCosine()));
                }
            }
        }
        return s.toString();
    }

    /**
     * Model-level progress: on a terminal everything goes to the bar; in a log one line per calibration batch, per
     * layer and per evaluation batch (sweeps of single layers are left out).
     */
    static final class Lines implements ProgressListener {
        private final ProgressReporter bar;
        private final PrintWriter err;
        private final boolean lines;

        Lines(ProgressReporter bar, PrintWriter err, boolean lines) {
            this.bar = bar;
            this.err = err;
            this.lines = lines;
        }

        @Override
        public void progress(Step step) {
            if (!lines) {
                bar.progress(step);
                return;
            }
            String line = switch (step.kind()) {
                case CALIBRATION_PASS, VALIDATION_PASS, EVALUATION -> step.text() + ": batch " + step.done() + "/"
                        + step.total();
                case MIXED_PRECISION -> step.text();
                case LAYER_QUANTIZED, SENSITIVITY -> step.text() + " (" + step.done() + "/" + step.total() + ")";
                default -> null; // sweeps and blocks of single layers, and the rest, stay off the log
            };
            if (line != null) {
                synchronized (err) {
                    err.println("comq: " + line);
                    err.flush();
                }
            }
        }

        @Override
        public void sweepFinished(int sweep, int sweeps, double relError) {
            if (!lines) {
                bar.sweepFinished(sweep, sweeps, relError);
            }
        }
    }
}
