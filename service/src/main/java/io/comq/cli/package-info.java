/**
 * The {@code comq} command line: {@link io.comq.cli.Main} (entry point, exit codes, one-line errors) and one picocli
 * subcommand per task ({@code layer}, {@code bench}), with the helpers they share: atomic output folders with
 * checksums ({@code OutputDir}), progress on stderr ({@code ProgressReporter}) and JSON reports. Commands only wire
 * files and options to the engine's public API; no quantization math lives here.
 */
package io.comq.cli;
