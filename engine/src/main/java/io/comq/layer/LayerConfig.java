package io.comq.layer;

import io.comq.quant.method.MethodConfig;
import io.comq.error.InvalidConfigException;

/**
 * How to quantize one layer: the method with its grid, and whether to fold bias compensation into the result.
 *
 * @param method           the algorithm and its settings
 * @param biasCompensation add {@code b_c = mu^T (W - Wq)} to the layer's bias (needs the mean input row)
 */
public record LayerConfig(MethodConfig method, boolean biasCompensation) {
    public LayerConfig {
        if (method == null) {
            throw new InvalidConfigException("a method is required");
        }
    }

    public static LayerConfig of(MethodConfig method) {
        return new LayerConfig(method, false);
    }
}
