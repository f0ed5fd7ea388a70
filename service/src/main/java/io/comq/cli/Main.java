package io.comq.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code comq} command line: one entry point, one subcommand per task. */
@Command(name = "comq", mixinStandardHelpOptions = true, version = "comq 0.1.0",
        description = "Post-training quantization with COMQ, GPTQ and RTN.",
        subcommands = {LayerCommand.class, QuantizeCommand.class, AssembleCommand.class, BenchCommand.class,
                InfoCommand.class, ServeCommand.class})
public final class Main {

    /**
     * Process exit codes: 0 success, 1 internal error, 2 bad input (file, shape, option), 3 this machine's native math
     * failed its checks and {@code COMQ_MATH=native} forbids the pure-Java fallback.
     */
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_UNTRUSTED_MATH = 3;

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

    /**
     * Stack size of the thread every command runs on. The launcher's main thread has the platform's default (often
     * 1 MiB, less than ONNX Runtime and the parsing of deeply nested protobufs need for real models), and a thread's
     * stack size can only be chosen when it is created; so no {@code -Xss} flag is needed.
     */
    static final long STACK_BYTES = 64L << 20;

    private static int execute(CommandLine cmd, PrintWriter out, PrintWriter err, String... args) {
        int code = onLargeStack(() -> cmd.execute(args));
        out.flush();
        err.flush();
        return code;
    }

    /** Runs {@code command} on a new thread with a {@link #STACK_BYTES} stack and returns its result. */
    static int onLargeStack(java.util.function.IntSupplier command) {
        int[] code = {EXIT_INTERNAL};
        Throwable[] thrown = {null};
        Thread t = new Thread(null, () -> {
            try {
                code[0] = command.getAsInt();
            } catch (Throwable e) { // handed to the caller's thread as it is
                thrown[0] = e;
            }
        }, "comq", STACK_BYTES);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the command decides when to stop (e.g. serve on SIGTERM); wait for it
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (thrown[0] instanceof RuntimeException re) {
            throw re;
        }
        if (thrown[0] instanceof Error e) {
            throw e;
        }
        if (thrown[0] != null) {
            throw new IllegalStateException(thrown[0]);
        }
        return code[0];
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
