package io.comq.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code comq} command line: one entry point, one subcommand per task. */
@Command(name = "comq", mixinStandardHelpOptions = true, version = "comq 0.1.0",
        description = "Post-training quantization with COMQ, GPTQ and RTN.",
        subcommands = {LayerCommand.class, QuantizeCommand.class, BenchCommand.class, ServeCommand.class})
public final class Main {

    /** Process exit codes: 0 success, 1 internal error, 2 bad input (file, shape, option). */
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        return execute(commandLine(out, err, ProgressReporter.isTerminal()), out, err, args);
    }

    /**
     * Runs the command line with the given output streams and returns its exit code. Errors are one line
     * {@code comq: error: <message>} on {@code err}: exit 2 for bad input (options, files, shapes, values), 1 for an
     * internal error (with the stack trace when {@code --verbose} was given).
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return execute(commandLine(out, err, false), out, err, args);
    }

    private static int execute(CommandLine cmd, PrintWriter out, PrintWriter err, String... args) {
        int code = cmd.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * The configured command line.
     *
     * @param terminal whether stderr is a terminal (progress bars) rather than a log or pipe (plain lines)
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean terminal) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == LayerCommand.class) {
                    return type.cast(new LayerCommand(terminal));
                }
                return type == QuantizeCommand.class ? type.cast(new QuantizeCommand(terminal)) : defaults.create(type);
            }
        };
        CommandLine cmd = new CommandLine(new Main(), factory);
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setParameterExceptionHandler(ErrorHandler::onParameterError);
        cmd.setExecutionExceptionHandler(ErrorHandler::onExecutionError);
        return cmd;
    }
}
