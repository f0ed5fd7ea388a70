package io.comq.cli;

import io.comq.error.InvalidInputException;
import io.comq.error.NativeMathException;
import io.comq.option.OptionNames;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Maps what escapes a command to an exit code and one line on stderr, {@code comq: error: <message>}: bad options and
 * {@link InvalidInputException}s are the user's to fix (exit 2); anything else is an internal error (exit 1), whose
 * stack trace is printed only with {@code --verbose}.
 */
final class ErrorHandler {
    private ErrorHandler() {
    }

    /** The option any subcommand may declare to get stack traces of internal errors. */
    static final String VERBOSE = "--verbose";

    static int onParameterError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = oneLine(e.getMessage()).replaceFirst("^Error: ", "");
        err.println("comq: error: " + message + " (see '" + cmd.getCommandSpec().qualifiedName()
                + " --help')");
        err.flush();
        return Main.EXIT_BAD_INPUT;
    }

    static int onExecutionError(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        InvalidInputException bad = badInput(e);
        if (bad != null) {
            err.println("comq: error: " + oneLine(bad.getMessage()));
            err.flush();
            return Main.EXIT_BAD_INPUT;
        }
        NativeMathException math = cause(e, NativeMathException.class);
        if (math != null) {
            err.println("comq: error: " + oneLine(math.getMessage()));
            err.flush();
            return Main.EXIT_UNTRUSTED_MATH;
        }
        err.println("comq: error: internal error: " + oneLine(String.valueOf(e))
                + (verbose(parsed) ? "" : " (run with --verbose for the stack trace)"));
        if (verbose(parsed)) {
            e.printStackTrace(err);
        }
        err.flush();
        return Main.EXIT_INTERNAL;
    }

    /** The user-input error behind {@code e}, if any (it may be wrapped, e.g. by a thread pool). */
    private static InvalidInputException badInput(Throwable e) {
        return cause(e, InvalidInputException.class);
    }

    /** The first error of {@code type} in {@code e}'s cause chain, or null. */
    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            if (t == t.getCause()) {
                break;
            }
        }
        return null;
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        return false;
    }

    /** One line, with the engine's setting markers rendered as this command line's flags. */
    private static String oneLine(String s) {
        return s == null ? "" : OptionNames.CLI.render(s).replaceAll("\\s*[\\r\\n]+\\s*", "; ").trim();
    }
}
