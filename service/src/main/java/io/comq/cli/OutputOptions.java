package io.comq.cli;

import picocli.CommandLine.Option;

/**
 * How a command that writes a folder behaves (a picocli mixin of {@code layer}, {@code quantize} and
 * {@code assemble}): replacing the output folder, progress, and error detail.
 */
final class OutputOptions {

    @Option(names = "--force", description = "Replace a non-empty --out folder.")
    boolean force;

    @Option(names = "--no-progress", description = "No progress output on stderr.")
    boolean noProgress;

    @Option(names = ErrorHandler.VERBOSE, description = "Print the stack trace of internal errors.")
    boolean verbose;
}
