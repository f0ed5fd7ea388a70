package io.comq.cli;

import io.comq.error.InvalidConfigException;
import io.comq.format.npy.ArrayRef;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.quant.GridSpec;
import io.comq.quant.LayerProblem;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.report.Environment;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code comq layer}: quantizes one layer {@code W (in, out)} given its Gram matrix {@code H} (or calibration rows
 * {@code X}), and writes codes, scales, zero points, {@code Wq} and a report into a folder that appears atomically.
 */
@Command(name = "layer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Quantize one layer W (in, out) with COMQ, GPTQ or RTN.",
                "Arrays are .npy files or file.npz:key. Writes codes.npy, scales.npy, zeros.npy, wq.npy, "
                        + "[bias_correction.npy] and report.json into --out, all at once."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error", "2:bad input (options, files, shapes, values)"})
public final class LayerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    MethodOptions methodOptions;

    @Mixin
    RunOptions run;

    @Mixin
    OutputOptions output;

    @Option(names = "--weights", required = true, paramLabel = "W.npy", description = "Weights W, shape (in, out).")
    String weights;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** Exactly one of {@code --gram} and {@code --inputs}. */
    static final class Source {
        @Option(names = "--gram", required = true, paramLabel = "H.npy", description = "Gram matrix H = X^T X, (in, in).")
        String gram;

        @Option(names = "--inputs", required = true, paramLabel = "X.npy",
                description = "Calibration rows X, shape (N, in); H is accumulated from them.")
        String inputs;
    }

    @Option(names = "--precision", defaultValue = "float64", description = "float64 or float32 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--bias-correction",
            description = "Also write bias_correction.npy = mu^T (W - Wq); needs --inputs or --mean-row.")
    boolean biasCorrection;

    @Option(names = "--mean-row", paramLabel = "mu.npy", description = "Mean calibration input row mu, length in.")
    String meanRow;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (must not exist or be empty).")
    Path out;

    private final boolean terminal;

    /** A command whose stderr is not a terminal (progress as plain lines). */
    public LayerCommand() {
        this(false);
    }

    /** A command told whether its stderr is a terminal (progress bar) or not (plain lines). */
    LayerCommand(boolean terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        MethodConfig methodConfig = methodConfig();
        LayerConfig config = new LayerConfig(methodConfig, biasCorrection);
        if (meanRow != null && !biasCorrection) {
            throw new InvalidConfigException("--mean-row is only used by --bias-correction: add it or drop --mean-row");
        }
        OutputDir.checkTarget(out, output.force);
        PrintWriter err = spec.commandLine().getErr();
        ProgressReporter progress = new ProgressReporter(err, ProgressReporter.choose(output.noProgress, terminal));
        LayerResult result;
        LayerProblem problem;
        if (methodConfig.precision() == Precision.FLOAT32) { // float64 sweeps run on the scalar kernel anyway
            KernelNotice.print(err, run.backend);
        }
        try (QuantKernel kernel = new Kernels().create(run.kernel(), methodConfig.precision())) {
            problem = LayerInputs.load(ArrayRef.parse(weights), ref(source.gram), ref(source.inputs), ref(meanRow),
                    biasCorrection, kernel, progress);
            result = new LayerQuantizer(kernel).quantize(problem, config, progress);
        } finally {
            progress.finish();
        }
        Path written = LayerOutputs.write(out, output.force, result, report(problem, methodConfig, result));
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "comq: wrote %s: %s %d-bit, rel error %.6e (rtn %.6e), %s, %.1f ms", written, result.stats().method(),
                result.grid().bits(), result.relError(), result.rtnRelError(), result.stats().backend(),
                result.stats().nanos() / 1e6));
        MathWarning.print(err);
        return Main.EXIT_OK;
    }

    private static ArrayRef ref(String spec) {
        return spec == null ? null : ArrayRef.parse(spec);
    }

    /** The validated method settings; options that the chosen method would ignore are refused. */
    MethodConfig methodConfig() {
        return methodOptions.toConfig(precision, spec);
    }

    private LayerReport report(LayerProblem problem, MethodConfig m, LayerResult r) {
        LayerResult.RunStats s = r.stats();
        GridSpec g = m.grid();
        ComqConfig comq = m instanceof ComqConfig c ? c : null;
        GptqConfig gptq = m instanceof GptqConfig q ? q : comq != null ? comq.gptq() : null;
        return new LayerReport("comq layer", new LayerReport.Shape(r.in(), r.out(), g.groups(r.in())),
                new LayerReport.Inputs(weights, source.gram, source.inputs, meanRow, problem.samples()),
                new LayerReport.Config(m.method(), g.bits(), g.grid().id(), g.ratio(), g.groupSize(), g.tie().id(),
                        m.precision().id(),
                        comq != null ? comq.sweeps() : methodOptions.sweeps,
                        comq != null ? comq.order().id() : methodOptions.order,
                        comq != null ? comq.init().id() : methodOptions.init,
                        comq != null ? comq.scaleUpdate().id() : methodOptions.scaleUpdate,
                        gptq != null ? gptq.damp() : methodOptions.damp,
                        gptq != null ? gptq.actOrder() : methodOptions.actOrder,
                        gptq != null ? gptq.blockSize() : methodOptions.blockSize,
                        biasCorrection, run.backend, run.threads),
                r.rtnRelError(), r.relErrorPerSweep(), r.relError(), s.nanos() / 1e6, s.backend(), s.device(),
                s.threads(), s.guards(), Environment.current(), null);
    }
}
