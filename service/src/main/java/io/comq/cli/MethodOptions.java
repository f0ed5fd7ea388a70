package io.comq.cli;

import io.comq.error.InvalidConfigException;
import io.comq.quant.AutoConfig;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.quant.MethodConfig;
import io.comq.quant.Precision;
import io.comq.quant.TieRule;
import io.comq.quant.comq.ComqConfig;
import io.comq.quant.gptq.GptqConfig;
import io.comq.quant.rtn.RtnConfig;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The quantization method's options, shared by {@code comq layer} and {@code comq quantize} (a picocli mixin), and
 * their translation into one validated {@link MethodConfig}. Options the chosen method would ignore are refused.
 */
final class MethodOptions {

    private static final List<String> COMQ_ONLY = List.of("--sweeps", "--order", "--init", "--scale-update",
            "--comq-damp");
    private static final List<String> GPTQ_ONLY = List.of("--damp", "--act-order", "--block-size");

    @Option(names = "--method", defaultValue = "comq", description = "comq, gptq, rtn, or auto (comq quantize: per layer, the lowest held-out error among "
                    + "rtn, gptq act_order and COMQ variants) (default: ${DEFAULT-VALUE}).")
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
     * The validated method settings.
     *
     * @param precision the command's {@code --precision} value
     * @param spec      the command, to tell which options the user gave
     */
    MethodConfig toConfig(String precision, CommandSpec spec) {
        GridSpec gridSpec = new GridSpec(bits, Grid.parse(grid), ratio, groupSize, TieRule.parse(tie));
        Precision p = Precision.parse(precision);
        ParseResult given = spec.commandLine().getParseResult();
        switch (method.trim().toLowerCase(Locale.ROOT)) {
            case "rtn":
                refuse(given, COMQ_ONLY, "--method comq");
                refuse(given, GPTQ_ONLY, "--method gptq (or --method comq --init gptq)");
                return new RtnConfig(gridSpec, p);
            case "gptq":
                refuse(given, COMQ_ONLY, "--method comq");
                return new GptqConfig(gridSpec, damp, actOrder, blockSize, p);
            case "comq":
                ComqConfig.Init start = ComqConfig.Init.parse(init);
                if (start != ComqConfig.Init.GPTQ) {
                    refuse(given, GPTQ_ONLY, "--method gptq or --init gptq");
                }
                GptqConfig gptq = start == ComqConfig.Init.GPTQ ? new GptqConfig(gridSpec, damp, actOrder, blockSize, p)
                        : null;
                return new ComqConfig(gridSpec, sweeps, ComqConfig.Order.parse(order), start, gptq,
                        ComqConfig.ScaleUpdate.parse(scaleUpdate), p, comqDamp);
            case "auto":
                refuse(given, COMQ_ONLY, "--method comq");
                refuse(given, GPTQ_ONLY, "--method gptq or --method comq --init gptq");
                return AutoConfig.standard(gridSpec, p);
            default:
                throw new InvalidConfigException("unknown --method '" + method + "': use comq, gptq, rtn or auto");
        }
    }

    private void refuse(ParseResult given, List<String> options, String where) {
        for (String o : options) {
            if (given.hasMatchedOption(o)) {
                throw new InvalidConfigException(o + " has no effect with --method " + method + "; it applies to " + where);
            }
        }
    }
}
