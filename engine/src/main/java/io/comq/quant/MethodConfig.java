package io.comq.quant;

/**
 * The validated configuration of one quantization method ({@code RtnConfig}, {@code GptqConfig}, {@code ComqConfig}).
 * Each is an immutable record that rejects contradictory settings in its constructor.
 */
public interface MethodConfig {
    /** Short method name used in reports: {@code rtn}, {@code gptq}, {@code comq}. */
    String method();

    GridSpec grid();

    Precision precision();
}
