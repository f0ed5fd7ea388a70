package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What the progress output looks like in each mode. */
class ProgressReporterTest {

    private final StringWriter text = new StringWriter();

    private ProgressReporter reporter(ProgressReporter.Mode mode) {
        return new ProgressReporter(new PrintWriter(text, true), mode);
    }

    private void drive(ProgressReporter p) {
        for (int k = 0; k <= 10; k++) {
            p.progress("sweep 1/2", k, 10);
        }
        p.sweepFinished(1, 2, 0.0123);
        p.progress("sweep 2/2", 5, 10);
        p.sweepFinished(2, 2, 0.0100);
        p.progress("bias", 1, 2);
        p.finish();
    }

    @Test
    void theModeFollowsTheFlagAndTheTerminal() {
        assertEquals(ProgressReporter.Mode.OFF, ProgressReporter.choose(true, true));
        assertEquals(ProgressReporter.Mode.BAR, ProgressReporter.choose(false, true));
        assertEquals(ProgressReporter.Mode.LINES, ProgressReporter.choose(false, false));
    }

    @Test
    void offPrintsNothing() {
        drive(reporter(ProgressReporter.Mode.OFF));
        assertEquals("", text.toString());
    }

    @Test
    void linesPrintOnePlainLinePerSweep() {
        drive(reporter(ProgressReporter.Mode.LINES));
        assertEquals(String.format("comq: sweep 1/2: rel error 1.230000e-02%ncomq: sweep 2/2: rel error 1.000000e-02%n"),
                text.toString());
    }

    @Test
    void aBarIsRedrawnInPlaceAndEndsItsLine() {
        drive(reporter(ProgressReporter.Mode.BAR));
        String s = text.toString();
        assertTrue(s.contains("\rsweep 1/2    [###############---------------]  50%"), s);
        assertTrue(s.contains("[##############################] 100%"), s);
        assertTrue(s.contains("comq: sweep 2/2: rel error 1.000000e-02"), s);
        assertTrue(s.contains("\rbias"), s);
        assertTrue(s.endsWith(System.lineSeparator()), "the last bar line is ended");
        assertEquals(11 + 1 + 1, s.chars().filter(c -> c == '%').count(), "one bar per distinct percentage: " + s);
    }

    @Test
    void theBarIsRedrawnOnlyWhenThePercentageChanges() {
        ProgressReporter p = reporter(ProgressReporter.Mode.BAR);
        for (int k = 0; k <= 100_000; k++) {
            p.progress("gram", k, 100_000);
        }
        p.finish();
        assertEquals(101, text.toString().chars().filter(c -> c == '%').count());
    }
}
