package io.comq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code comq} command line: one entry point, one subcommand per task. */
@Command(name = "comq", mixinStandardHelpOptions = true, version = "comq 0.1.0",
        description = "Post-training quantization with COMQ, GPTQ and RTN.",
        subcommands = {LayerCommand.class, BenchCommand.class})
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
        return new CommandLine(new Main()).execute(args);
    }
}
