package io.comq.bench;

import java.util.List;
import java.util.Locale;

/**
 * The results of one benchmark process.
 *
 * @param date          ISO-8601 instant of the run
 * @param machine       CPU model and processor count
 * @param jvm           Java runtime version
 * @param backend       kernel backend used
 * @param device        the kernel's device, in words
 * @param threads       kernel threads
 * @param sgemmN        side of the reference sgemm
 * @param sgemmMacsPerS reference throughput in multiply-adds per second, measured at the start
 * @param rows          one row per (layer, method)
 * @param environment   CPU, Java, the checked math (OpenBLAS version and core, self-test) and kernels
 */
public record BenchReport(String date, String machine, String jvm, String backend, String device, int threads,
                          int sgemmN, double sgemmMacsPerS, List<Row> rows, io.comq.report.Environment environment) {

    public BenchReport {
        rows = List.copyOf(rows);
    }

    /**
     * One method on one layer. The nominal work of a sweep is {@code in^2 * out} multiply-adds (every coordinate
     * changing); the same count is used for the rate of GPTQ and RTN, over their whole run.
     *
     * @param layer          {@code INxOUT}
     * @param method         {@code comq-greedy}, {@code comq-cyclic}, {@code gptq} or {@code rtn}
     * @param sweeps         COMQ sweeps (0 for GPTQ and RTN)
     * @param secondsPerSweep mean wall time of one sweep (kernel call), NaN for GPTQ and RTN
     * @param macsPerS       {@code in^2 * out} / seconds per sweep (GPTQ and RTN: / total)
     * @param sgemmMacsPerS  the sgemm rate measured just before this layer's runs, in this process
     * @param ratioToSgemm   {@link #macsPerS} over {@link #sgemmMacsPerS}
     * @param totalSeconds   the method's time as the layer quantizer reports it (grid, factorization, sweeps)
     * @param wallSeconds    wall time of the whole layer call, including error evaluation
     * @param relError       {@code tr((Wq-W)^T H (Wq-W)) / tr(W^T H W)}
     * @param rtnRelError    RTN's error on the same grid
     * @param peakHeapBytes  peak heap during the call (sum of heap pools' peaks)
     * @param bytesWH        bytes of {@code W} plus {@code H} in float32
     */
    public record Row(String layer, String method, int sweeps, double secondsPerSweep, double macsPerS,
                      double sgemmMacsPerS, double ratioToSgemm, double totalSeconds, double wallSeconds, double relError,
                      double rtnRelError, long peakHeapBytes, long bytesWH) {

        /** This row with another peak heap (the largest over repeated runs). */
        public Row withPeakBytes(long peak) {
            return new Row(layer, method, sweeps, secondsPerSweep, macsPerS, sgemmMacsPerS, ratioToSgemm, totalSeconds,
                    wallSeconds, relError, rtnRelError, peak, bytesWH);
        }

        /** Peak heap over the bytes of W plus H. */
        public double heapRatio() {
            return (double) peakHeapBytes / bytesWH;
        }
    }

    /** The plain-text table. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "machine: %s; %s; backend %s (%s)%n", machine, jvm, backend, device));
        if (environment != null) {
            b.append(String.format(Locale.ROOT, "math: %s (OpenBLAS %s, core %s, self-test %s)%n",
                    environment.math().using(), environment.math().openblas(), environment.math().openblasCore(),
                    environment.math().selfTest()));
        }
        b.append(String.format(Locale.ROOT, "reference: ND4J sgemm %dx%d: %.1f GMAC/s%n", sgemmN, sgemmN,
                sgemmMacsPerS / 1e9));
        b.append("work per sweep counted as in^2*out multiply-adds (nominal); GPTQ/RTN rate is over their total time\n");
        b.append("xsgemm: ratio to the sgemm rate measured just before the layer (sgemm GMAC/s column)\n");
        b.append(String.format(Locale.ROOT, "%-10s %-12s %6s %10s %9s %9s %7s %9s %9s %10s %10s %9s %6s%n", "layer",
                "method", "sweeps", "s/sweep", "GMAC/s", "sgemm", "xsgemm", "total s", "wall s", "rel err", "rtn err",
                "peak MiB", "x(W+H)"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT,
                    "%-10s %-12s %6d %10s %9.2f %9.1f %7.3f %9.2f %9.2f %10.3e %10.3e %9.0f %6.2f%n",
                    r.layer(), r.method(), r.sweeps(),
                    Double.isNaN(r.secondsPerSweep()) ? "-" : String.format(Locale.ROOT, "%.3f", r.secondsPerSweep()),
                    r.macsPerS() / 1e9, r.sgemmMacsPerS() / 1e9, r.ratioToSgemm(), r.totalSeconds(), r.wallSeconds(), r.relError(),
                    r.rtnRelError(), r.peakHeapBytes() / 1048576.0, r.heapRatio()));
        }
        return b.toString();
    }
}
