package io.comq.report;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How far the quantized model's outputs moved from the full-precision model's on evaluation data; every figure is
 * optional ({@code null} when not measured) and left out of the JSON then.
 *
 * @param samples         evaluation samples (rows, tokens or images) behind the figures
 * @param outputRelError  {@code ||Y_q - Y||_F / ||Y||_F} over the model outputs
 * @param outputMaxAbs    largest absolute output difference
 * @param top1Agreement   fraction of samples whose arg-max output agrees
 * @param perplexityFp    perplexity of the full-precision model (language models)
 * @param perplexityQuant perplexity of the quantized model
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Drift(Long samples, Double outputRelError, Double outputMaxAbs, Double top1Agreement,
                    Double perplexityFp, Double perplexityQuant) {
}
