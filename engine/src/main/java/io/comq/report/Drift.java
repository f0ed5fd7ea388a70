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
 * @param outputs         figures per model output, or {@code null} when not measured
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Drift(Long samples, Double outputRelError, Double outputMaxAbs, Double top1Agreement,
                    Double perplexityFp, Double perplexityQuant, java.util.List<Output> outputs) {
    public Drift {
        outputs = outputs == null ? null : java.util.List.copyOf(outputs);
    }

    /** Drift without per-output figures. */
    public Drift(Long samples, Double outputRelError, Double outputMaxAbs, Double top1Agreement, Double perplexityFp,
                 Double perplexityQuant) {
        this(samples, outputRelError, outputMaxAbs, top1Agreement, perplexityFp, perplexityQuant, null);
    }

    /**
     * The drift of one model output over the evaluation samples, each sample's output flattened to a vector
     * {@code y} (full precision) and {@code y_q} (quantized).
     *
     * @param name         the output's name
     * @param meanRelL2    mean over samples of {@code ||y_q - y|| / ||y||}
     * @param maxRelL2     largest such per-sample value
     * @param meanCosine   mean over samples of the cosine of {@code y_q} and {@code y}
     * @param pooledCosine for a {@code (batch, sequence, hidden)} output of a model with an attention mask: mean over
     *                     samples of the cosine of the mask-mean-pooled vectors (what sentence embeddings compare), else
     *                     {@code null}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Output(String name, double meanRelL2, double maxRelL2, double meanCosine, Double pooledCosine) {
    }
}
