package io.comq.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.comq.bench.BenchComparison;
import io.comq.bench.BenchOptions;
import io.comq.bench.BenchReport;
import io.comq.bench.LayerBench;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.format.AtomicFile;
import io.comq.kernel.Kernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code comq bench}: in one process, measures ND4J sgemm as the reference rate, then quantizes synthetic layers with
 * each method and prints time per sweep, multiply-adds per second (nominal {@code in^2 * out} per sweep), the ratio to
 * sgemm, total time, relative error and peak heap. Figures, not a test.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark COMQ (greedy, cyclic), GPTQ and RTN on synthetic layers against ND4J sgemm.",
                "Run with --add-modules jdk.incubator.vector for the cpu-simd kernel and a large enough -Xmx."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:internal error", "2:bad option"})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--layers", defaultValue = "768x3072,3072x768,4096x4096", paramLabel = "INxOUT,...",
            description = "Layer shapes, in x out (default: ${DEFAULT-VALUE}).")
    String layers;

    @Option(names = "--methods", defaultValue = "comq-greedy,comq-cyclic,gptq,rtn", paramLabel = "M,...",
            description = "Methods among comq-greedy, comq-cyclic, gptq, rtn (default: ${DEFAULT-VALUE}).")
    String methods;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "B,...",
            description = {"Kernel backend, or several separated by commas (e.g. cpu-simd,tornadovm) to run each in turn "
                    + "in this process and compare them (default: ${DEFAULT-VALUE}).",
                    "tornadovm needs java @$TORNADOVM_HOME/tornado-argfile and the comq-gpu-kernels jar."})
    String backend;

    @Option(names = "--device", defaultValue = "", paramLabel = "DEVICE",
            description = "Accelerator device for tornadovm: B:D (backend and device index), opencl, ptx or part of "
                    + "the device name; default TornadoVM's default device.")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "Kernel threads, 0 for all processors.")
    int threads;

    @Option(names = "--sweeps", defaultValue = "3", description = "COMQ sweeps K (default: ${DEFAULT-VALUE}).")
    int sweeps;

    @Option(names = "--block", defaultValue = "0",
            description = "Sweep block size of the cpu-simd kernel, 0 for its default.")
    int block;

    @Option(names = "--sgemm-size", defaultValue = "4096", description = "Side of the reference sgemm.")
    int sgemmSize;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the synthetic layers.")
    long seed;

    @Option(names = "--repeats", defaultValue = "3",
            description = "Runs of each method on each layer, at least: short runs repeat until they took a second "
                    + "(at most 20). The fastest is reported, like the sgemm reference.")
    int repeats;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Override
    public Integer call() {
        List<BenchReport> reports = new ArrayList<>();
        PrintWriter out = spec.commandLine().getOut();
        List<String> known = new Kernels().names();
        for (String b : split(backend)) {
            if (!"auto".equals(b) && !known.contains(b)) {
                throw new InvalidConfigException("unknown backend '" + b + "': available are " + known);
            }
        }
        KernelNotice.print(spec.commandLine().getErr(), backend);
        for (String b : split(backend)) {
            BenchOptions options = new BenchOptions(BenchOptions.Shape.parseList(layers), split(methods), b, threads,
                    sweeps, block, sgemmSize, seed, repeats, device);
            BenchReport report = new LayerBench(options).run(System.err);
            reports.add(report);
            out.print(report.table());
            out.println();
            out.flush();
        }
        if (reports.size() > 1) {
            out.print(BenchComparison.table(reports));
            out.flush();
        }
        if (json != null) {
            writeJson(reports.size() == 1 ? reports.get(0) : reports, json);
        }
        MathWarning.print(spec.commandLine().getErr());
        return Main.EXIT_OK;
    }

    private static List<String> split(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /** Writes the report atomically, so a reader never sees half a file. */
    private static void writeJson(Object report, Path target) {
        try {
            AtomicFile.write(target, out -> new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET)
                    .writeValue(out, report));
        } catch (java.io.UncheckedIOException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }
}
