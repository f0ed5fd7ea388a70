package io.comq.cli;

import io.comq.option.OptionNames;
import io.comq.quant.method.MethodConfig;
import io.comq.settings.QuantizeSettings;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The quantization method's options, shared by {@code comq layer} and {@code comq quantize} (a picocli mixin), and
 * their translation into one validated {@link MethodConfig}. Options the chosen method would ignore are refused.
 */
final class MethodOptions {

    @Option(names = "--method", defaultValue = "comq", description = "comq, gptq, rtn, or auto (comq quantize: per "
            + "layer, the lowest held-out error among rtn, gptq act_order and COMQ variants) (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--bits", defaultValue = "4", description = "Code width, 2..8 (default: ${DEFAULT-VALUE}).")
    int bits;

    @Option(names = "--grid", defaultValue = "sym-maxabs",
            description = "sym-maxabs, sym-restricted, asym-minmax or sym-mse (sym-maxabs codes, "
                    + "per-channel scale with the least rounding error) (default: ${DEFAULT-VALUE}).")
    String grid;

    @Option(names = "--group-size", defaultValue = "0",
            description = "Input rows per grid; 0 = per output channel (default: ${DEFAULT-VALUE}).")
    int groupSize;

    @Option(names = "--ratio", defaultValue = "1.0", description = "Multiplier on the scale (default: ${DEFAULT-VALUE}).")
    double ratio;

    @Option(names = "--tie", defaultValue = "half-even",
            description = "Rounding ties: half-even, half-away, half-up, half-down (default: ${DEFAULT-VALUE}).")
    String tie;

    @Option(names = "--sweeps", defaultValue = "3", description = "COMQ sweeps K (default: ${DEFAULT-VALUE}).")
    int sweeps;

    @Option(names = "--order", defaultValue = "greedy", description = "COMQ order: greedy or cyclic (default: ${DEFAULT-VALUE}).")
    String order;

    @Option(names = "--init", defaultValue = "fp", description = "COMQ start: fp, rtn or gptq (default: ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--scale-update", defaultValue = "none",
            description = "COMQ scale re-fit after each sweep: none or post (default: ${DEFAULT-VALUE}).")
    String scaleUpdate;

    @Option(names = "--comq-damp", defaultValue = "0",
            description = "COMQ: sweep on H + lambda * mean(diag H) * I (default: ${DEFAULT-VALUE}).")
    double comqDamp;

    @Option(names = "--damp", defaultValue = "0.01",
            description = "GPTQ damping, fraction of mean(diag H) (default: ${DEFAULT-VALUE}).")
    double damp;

    @Option(names = "--act-order", description = "GPTQ: process inputs by descending H_ii.")
    boolean actOrder;

    @Option(names = "--block-size", defaultValue = "128", description = "GPTQ lazy block size (default: ${DEFAULT-VALUE}).")
    int blockSize;

    /**
     * The validated method settings: the same translation and refusals as a service job's settings
     * ({@link QuantizeSettings}), with options named as on the command line.
     *
     * @param precision the command's {@code --precision} value
     * @param spec      the command, to tell which options the user gave
     */
    MethodConfig toConfig(String precision, CommandSpec spec) {
        return settings(precision, spec).build().resolved(OptionNames.CLI).methodConfig();
    }

    /**
     * The method settings as given: the method's own options only when the user gave them (null otherwise, so that
     * the method's default applies or an option the method ignores is refused).
     */
    QuantizeSettings.Builder settings(String precision, CommandSpec spec) {
        ParseResult given = spec.commandLine().getParseResult();
        return QuantizeSettings.builder().method(method).bits(bits).grid(grid).groupSize(groupSize).ratio(ratio)
                .tie(tie).sweeps(given(given, "--sweeps", sweeps)).order(given(given, "--order", order))
                .init(given(given, "--init", init)).scaleUpdate(given(given, "--scale-update", scaleUpdate))
                .damp(given(given, "--damp", damp))
                .actOrder(given.hasMatchedOption("--act-order") ? Boolean.TRUE : null)
                .blockSize(given(given, "--block-size", blockSize)).precision(precision)
                .comqDamp(given(given, "--comq-damp", comqDamp));
    }

    /** A setting's value if the user gave its option, else null (the default applies, or the option is refused). */
    private static <T> T given(ParseResult given, String option, T value) {
        return given.hasMatchedOption(option) ? value : null;
    }
}
