package io.comq.cli;

import io.comq.pipeline.Assembler;
import io.comq.pipeline.OutputFormat;
import io.comq.report.ModelReport;
import io.comq.report.Reports;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code comq assemble}: builds the quantized model and its report from the per-layer results that
 * {@code comq quantize --shard i/n} left in a shared folder, byte for byte the model a single run writes.
 */
@Command(name = "assemble", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Build the quantized model and report from the shards of a sharded run.",
                "Every shard ('comq quantize --shard I/N --shard-dir DIR') must have finished; the folder must hold "
                        + "results of this model (and calibration set, when given)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error",
                "2:bad input (incomplete shards, another model or calibration set, options, files)"})
public final class AssembleCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--shards", required = true, paramLabel = "DIR",
            description = "The folder the shards wrote (their --shard-dir).")
    Path shards;

    @Option(names = "--model", required = true, paramLabel = "M.onnx", description = "The model the shards quantized.")
    Path model;

    @Option(names = "--calibration", paramLabel = "C.npz",
            description = "The shards' calibration set: measures the output drift on its held-out part (optional).")
    Path calibration;

    @Option(names = "--format", defaultValue = "qdq", description = "qdq or matmulnbits (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (must not exist or be empty).")
    Path out;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        Assembler.Job job = new Assembler.Job(shards, model, calibration, OutputFormat.parse(format), out, output.force);
        PrintWriter err = spec.commandLine().getErr();
        ProgressReporter.Mode mode = ProgressReporter.choose(output.noProgress, false);
        ProgressReporter bar = new ProgressReporter(err, mode);
        ModelReport r;
        try {
            r = new Assembler().assemble(job, new QuantizeCommand.Lines(bar, err, mode == ProgressReporter.Mode.LINES));
        } finally {
            bar.finish();
        }
        spec.commandLine().getOut().println(String.format(Locale.ROOT,
                "comq: wrote %s from %s shards: %d layers (%,d weights), mean rel error %.4e (rtn %.4e); report %s",
                out, r.settings().get("shards"), r.totals().layers(), r.totals().parameters(),
                r.totals().meanRelError(), r.totals().meanRtnRelError(), out.resolve(Reports.JSON_FILE)));
        return Main.EXIT_OK;
    }
}
