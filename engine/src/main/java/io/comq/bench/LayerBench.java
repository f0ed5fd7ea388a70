package io.comq.bench;

import io.comq.error.InvalidConfigException;
import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.cpu.SimdKernelProvider;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.quant.GridSpec;
import io.comq.quant.LayerProblem;
import io.comq.quant.ProgressListener;
import io.comq.quant.method.MethodConfig;
import io.comq.tensor.Matrix;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The layer benchmark, in one process: ND4J sgemm as the reference rate, then every method on every synthetic layer
 * through the public {@link LayerQuantizer}, float32, 4-bit per-channel sym-maxabs. Per method and layer it records
 * the time per sweep (from the kernel's sweep calls), the nominal rate {@code in^2 * out} per sweep, its ratio to
 * sgemm, the total time, the relative error and the peak heap against the bytes of {@code W + H}.
 */
public final class LayerBench {

    /** Side of the warm-up layer. */
    private static final int WARMUP = 768;
    /**
     * A method's runs on a layer continue past {@code repeats} until they took this many seconds (at most
     * {@link #MAX_RUNS} runs), so that a layer that quantizes in a tenth of a second is not judged on three runs that
     * a neighbour's burst on a shared machine can spoil together.
     */
    static final double MIN_SECONDS = 1.0;
    static final int MAX_RUNS = 20;

    private final BenchOptions options;

    public LayerBench(BenchOptions options) {
        this.options = options;
    }

    /** Runs the benchmark, printing one line per finished measurement to {@code progress}. */
    public BenchReport run(PrintStream progress) {
        HeapPeak heap = new HeapPeak();
        progress.printf(Locale.ROOT, "sgemm %dx%d ...%n", options.sgemmSize(), options.sgemmSize());
        double sgemm = Sgemm.macsPerSecond(options.sgemmSize(), 3);
        progress.printf(Locale.ROOT, "sgemm: %.1f GMAC/s%n", sgemm / 1e9);
        List<BenchReport.Row> rows = new ArrayList<>();
        try (TimedKernel kernel = new TimedKernel(createKernel())) {
            LayerQuantizer quantizer = new LayerQuantizer(kernel);
            warmUp(quantizer, progress);
            long seed = options.seed();
            for (BenchOptions.Shape shape : options.layers()) {
                SyntheticLayer layer = SyntheticLayer.generate(shape.in(), shape.out(), seed++);
                // The machine may be shared: the reference is re-measured next to each layer's runs.
                double sgemmHere = Sgemm.macsPerSecond(options.sgemmSize(), 3);
                progress.printf(Locale.ROOT, "%s: sgemm %.1f GMAC/s%n", shape, sgemmHere / 1e9);
                LayerProblem problem = new LayerProblem(new Matrix.F32(layer.in(), layer.out(), layer.W()),
                        new Matrix.F32(layer.in(), layer.in(), layer.H()), null, SyntheticLayer.ROWS);
                for (String method : options.methods()) {
                    BenchReport.Row best = null;
                    long peak = 0;
                    double spent = 0;
                    int run = 0;
                    for (; run < options.repeats() || spent < MIN_SECONDS && run < MAX_RUNS; run++) {
                        heap.reset();
                        kernel.reset();
                        long t0 = System.nanoTime();
                        LayerResult r = quantizer.quantize(problem, LayerConfig.of(config(method)),
                                ProgressListener.NONE);
                        double wall = (System.nanoTime() - t0) * 1e-9;
                        spent += wall;
                        peak = Math.max(peak, heap.peakBytes());
                        BenchReport.Row row = row(shape, method, r, kernel, wall, peak, layer.bytesWH(), sgemmHere);
                        if (best == null || row.totalSeconds() < best.totalSeconds()) {
                            best = row;
                        }
                    }
                    best = best.withPeakBytes(peak);
                    rows.add(best);
                    progress.printf(Locale.ROOT, "%s %s: %.2f s (best of %d), rel err %.3e%n", shape, method,
                            best.totalSeconds(), run, best.relError());
                }
            }
            return new BenchReport(Instant.now().toString(), machine(), "Java " + Runtime.version(), kernel.name(),
                    kernel.device(), kernel.threads(), options.sgemmSize(), sgemm, rows,
                    io.comq.report.Environment.current());
        }
    }

    /**
     * Runs every method once on a small layer, unrecorded, so that the measured layers run compiled code rather than
     * the interpreter's first passes through the kernels.
     */
    private void warmUp(LayerQuantizer quantizer, PrintStream progress) {
        progress.printf(Locale.ROOT, "warm-up on %dx%d ...%n", WARMUP, WARMUP);
        SyntheticLayer layer = SyntheticLayer.generate(WARMUP, WARMUP, -1);
        LayerProblem problem = new LayerProblem(new Matrix.F32(WARMUP, WARMUP, layer.W()),
                new Matrix.F32(WARMUP, WARMUP, layer.H()), null, SyntheticLayer.ROWS);
        for (int round = 0; round < 2; round++) {
            for (String method : options.methods()) {
                quantizer.quantize(problem, LayerConfig.of(config(method)), ProgressListener.NONE);
            }
        }
    }

    private static BenchReport.Row row(BenchOptions.Shape shape, String method, LayerResult r, TimedKernel kernel,
                                       double wall, long peak, long bytesWH, double sgemm) {
        double nominal = (double) shape.in() * shape.in() * shape.out();
        double total = r.stats().nanos() * 1e-9;
        int sweeps = BenchMethod.parse(method).sweeps() ? kernel.sweeps() : 0;
        double perSweep = sweeps > 0 ? kernel.sweepNanos() * 1e-9 / sweeps : Double.NaN;
        double rate = nominal / (sweeps > 0 ? perSweep : total);
        return new BenchReport.Row(shape.toString(), method, sweeps, perSweep, rate, sgemm, rate / sgemm, total, wall,
                r.relError(), r.rtnRelError(), peak, bytesWH);
    }


    private QuantKernel createKernel() {
        KernelOptions k = new KernelOptions(options.backend(), options.threads(), options.device());
        if (options.block() == 0) {
            return new Kernels().create(k);
        }
        if (!"auto".equals(k.backend()) && !SimdKernelProvider.NAME.equals(k.backend())) {
            throw new InvalidConfigException("a sweep block size applies to the cpu-simd backend only, not '"
                    + k.backend() + "'");
        }
        // through the provider, as every kernel is made, with the bench's block instead of the default
        return new Kernels(List.of(new SimdKernelProvider(options.block()))).create(
                new KernelOptions(SimdKernelProvider.NAME, k.threads(), k.device()));
    }

    /** The bench method on the default grid, float32, with the bench's sweeps. */
    private MethodConfig config(String method) {
        return BenchMethod.parse(method).config(GridSpec.defaults(), options.sweeps());
    }

    /** CPU model and processor count. */
    static String machine() {
        io.comq.platform.Cpu cpu = io.comq.platform.Cpu.current();
        return cpu.model() + ", " + cpu.processors() + " processors";
    }
}
