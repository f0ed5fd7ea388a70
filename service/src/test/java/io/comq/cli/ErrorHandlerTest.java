package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidTensorFileException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Exit codes and stderr of errors that escape a command. */
class ErrorHandlerTest {

    private final StringWriter err = new StringWriter();
    private final CommandLine cmd = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err), false);

    private ParseResult parse(String... extra) {
        String[] base = {"layer", "--weights", "W.npy", "--gram", "H.npy", "--out", "o"};
        String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(base), java.util.Arrays.stream(extra))
                .toArray(String[]::new);
        return cmd.parseArgs(args);
    }

    @Test
    void internalErrorsExitOneWithoutAStackTraceUnlessVerbose() {
        ParseResult quiet = parse();
        assertEquals(Main.EXIT_INTERNAL, ErrorHandler.onExecutionError(new IllegalStateException("boom"), cmd, quiet));
        String s = err.toString();
        assertEquals(1, s.strip().lines().count(), s);
        assertTrue(s.startsWith("comq: error: internal error: java.lang.IllegalStateException: boom"), s);
        assertTrue(s.contains("--verbose"), s);

        err.getBuffer().setLength(0);
        ParseResult verbose = parse("--verbose");
        assertEquals(Main.EXIT_INTERNAL, ErrorHandler.onExecutionError(new IllegalStateException("boom"), cmd, verbose));
        assertTrue(err.toString().contains("\tat io.comq.cli.ErrorHandlerTest"), err.toString());
    }

    @Test
    void badInputExitsTwoEvenWhenWrapped() {
        Exception wrapped = new CompletionException(new InvalidTensorFileException(Path.of("W.npy"), "truncated"));
        assertEquals(Main.EXIT_BAD_INPUT, ErrorHandler.onExecutionError(wrapped, cmd, parse()));
        assertEquals("comq: error: W.npy: truncated", err.toString().strip());
        assertFalse(err.toString().contains("\tat "));
    }
}
