package io.comq.cli;

import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Shows a layer's progress on stderr: a redrawn bar per stage on a terminal, one plain line per finished sweep
 * otherwise (logs, pipes), nothing when disabled.
 */
final class ProgressReporter implements ProgressListener {

    /** How progress is shown. */
    enum Mode {
        /** Nothing. */
        OFF,
        /** One line per finished sweep. */
        LINES,
        /** A bar redrawn in place, then one line per finished sweep. */
        BAR
    }

    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final Mode mode;
    private String stage = "";
    private int shownPercent = -1;
    private boolean lineOpen;

    ProgressReporter(PrintWriter err, Mode mode) {
        this.err = err;
        this.mode = mode;
    }

    Mode mode() {
        return mode;
    }

    /** The mode for a run: off if asked, a bar only when stderr is a terminal. */
    static Mode choose(boolean disabled, boolean terminal) {
        return disabled ? Mode.OFF : terminal ? Mode.BAR : Mode.LINES;
    }

    /**
     * Whether this process talks to a terminal. Java cannot test stderr alone; a console on stdin/stdout (and, on JDK
     * 22+, {@code Console.isTerminal()}) with a {@code TERM} other than {@code dumb} is the best available sign.
     */
    static boolean isTerminal() {
        Console c = System.console();
        if (c == null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 17-21: a non-null console means a terminal
        }
    }

    @Override
    public synchronized void progress(Step step) {
        progress(step.text(), step.done(), step.total());
    }

    /** Draws the bar of {@code stage} at {@code done / total}. */
    synchronized void progress(String stage, long done, long total) {
        if (mode != Mode.BAR || total <= 0) {
            return;
        }
        int percent = (int) Math.min(100, done * 100 / total);
        if (stage.equals(this.stage) && percent == shownPercent) {
            return;
        }
        if (!stage.equals(this.stage) && lineOpen) {
            err.println();
        }
        this.stage = stage;
        this.shownPercent = percent;
        int filled = percent * WIDTH / 100;
        err.print("\r" + String.format(Locale.ROOT, "%-12s", stage) + " [" + "#".repeat(filled)
                + "-".repeat(WIDTH - filled) + "] " + String.format(Locale.ROOT, "%3d%%", percent));
        err.flush();
        lineOpen = true;
    }

    @Override
    public synchronized void sweepFinished(int sweep, int sweeps, double relError) {
        if (mode == Mode.OFF) {
            return;
        }
        String line = String.format(Locale.ROOT, "comq: sweep %d/%d: rel error %.6e", sweep, sweeps, relError);
        if (lineOpen) {
            err.print("\r" + " ".repeat(WIDTH + 20) + "\r");
            lineOpen = false;
        }
        err.println(line);
        err.flush();
        stage = "";
        shownPercent = -1;
    }

    /** Ends an open bar line so that what follows starts on its own line. */
    synchronized void finish() {
        if (lineOpen) {
            err.println();
            err.flush();
            lineOpen = false;
        }
    }
}
