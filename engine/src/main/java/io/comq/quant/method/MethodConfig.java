package io.comq.quant.method;

import io.comq.numeric.Precision;
import io.comq.quant.GridSpec;

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
}
