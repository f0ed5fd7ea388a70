package io.comq.bench;

import java.util.List;
import java.util.Locale;

/**
 * Backends side by side, from reports taken in one process: per layer and method, each backend's time per sweep (the
 * total time for GPTQ and RTN) and its ratio to the first backend's.
 */
public final class BenchComparison {
    private BenchComparison() {
    }

    /** The comparison table of {@code reports} (at least two, same layers and methods). */
    public static String table(List<BenchReport> reports) {
        if (reports.size() < 2) {
            throw new IllegalArgumentException("a comparison needs at least two reports");
        }
        BenchReport first = reports.get(0);
        StringBuilder b = new StringBuilder("backends compared in one process; time per sweep (GPTQ, RTN: total), ")
                .append("and its ratio to ").append(first.backend()).append('\n');
        b.append(String.format(Locale.ROOT, "%-10s %-12s", "layer", "method"));
        for (BenchReport r : reports) {
            b.append(String.format(Locale.ROOT, " %14s %8s", r.backend() + " s", "ratio"));
        }
        b.append('\n');
        for (int k = 0; k < first.rows().size(); k++) {
            BenchReport.Row base = first.rows().get(k);
            b.append(String.format(Locale.ROOT, "%-10s %-12s", base.layer(), base.method()));
            for (BenchReport r : reports) {
                BenchReport.Row row = r.rows().get(k);
                b.append(String.format(Locale.ROOT, " %14.3f %8.2f", seconds(row), seconds(row) / seconds(base)));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static double seconds(BenchReport.Row r) {
        return Double.isNaN(r.secondsPerSweep()) ? r.totalSeconds() : r.secondsPerSweep();
    }
}
