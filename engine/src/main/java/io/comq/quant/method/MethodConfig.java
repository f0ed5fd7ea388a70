package io.comq.quant.method;

import io.comq.numeric.Precision;
import io.comq.quant.GridSpec;
import java.util.List;
import java.util.Map;

/**
 * The validated configuration of one quantization method: {@link RtnConfig}, {@link GptqConfig}, {@link ComqConfig},
 * or {@link AutoConfig} (a per-layer choice among them). Sealed, so a {@code switch} over the methods is checked for
 * completeness by the compiler. Each is an immutable record that rejects contradictory settings in its constructor.
 */
public sealed interface MethodConfig permits RtnConfig, GptqConfig, ComqConfig, AutoConfig {
    /** Short method name used in reports: {@code rtn}, {@code gptq}, {@code comq}. */
    String method();

    GridSpec grid();

    Precision precision();

    /**
     * The method and what sets this config apart, for reports and auto's choices: {@code rtn}, {@code gptq(act_order)},
     * {@code comq(init=gptq+act_order, scale=post)}.
     */
    String label();

    /**
     * The method's own settings for a report, by their snake_case names in the order a reader expects ({@code sweeps},
     * {@code order}, {@code init}, {@code scale_update}, {@code damp}, {@code act_order}, {@code candidates}); the grid
     * and precision are the caller's to report.
     */
    Map<String, String> reportSettings();

    /** The methods a per-layer choice weighs: this one alone, or auto's candidates. */
    default List<MethodConfig> candidates() {
        return List.of(this);
    }

    /** True if the method sweeps on a COMQ kernel (so the kernel must support its precision). */
    default boolean sweepsOnKernel() {
        return false;
    }
}
