package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * Every command runs on a thread with a large stack, whatever {@code -Xss} the JVM was started with, and its exit code
 * and errors reach the caller as they were.
 */
class LargeStackTest {

    @Test
    void commandsRunOnALargeStack() {
        int[] deep = {0};
        assertEquals(7, Main.onLargeStack(() -> {
            deep[0] = depth();
            return 7;
        }));
        int here = Math.max(depth(), depth()); // the test's own thread (surefire's -Xss), warmed up like the other
        assertTrue(deep[0] > 4 * here, "recursion depth on the command thread " + deep[0] + " vs here " + here);
    }

    @Test
    void exitCodesAndErrorsComeBackUnchanged() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(Main.EXIT_BAD_INPUT, Main.run(new PrintWriter(out), new PrintWriter(err), "quantize",
                "--no-such-option"));
        assertTrue(err.toString().contains("comq: error:"), err.toString());
        assertEquals(Main.EXIT_OK, Main.run(new PrintWriter(out), new PrintWriter(err), "--version"));
        IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> Main.onLargeStack(() -> {
            throw boom;
        })));
        assertThrows(StackOverflowError.class, () -> Main.onLargeStack(LargeStackTest::forever));
    }

    private static int depth() {
        try {
            return 1 + depth();
        } catch (StackOverflowError e) {
            return 1;
        }
    }

    private static int forever() {
        return forever() + 1;
    }
}
