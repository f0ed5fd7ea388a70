package io.comq.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How well the quantized model holds up on data it was not fitted to: per-layer errors on the fit and held-out parts
 * of the calibration set (with the method each layer got and why), warnings, and the held-out samples that drifted
 * most, so that outliers are not hidden behind a mean.
 *
 * @param calibrationMode {@code sequential} or {@code parallel}
 * @param layers          per layer, in model order
 * @param worstSamples    the held-out samples with the lowest cosine, worst first (empty without held-out data)
 * @param warnings        what a user should look at, in words
 * @param averageBits     the weight-weighted average bits of the quantized layers
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AccuracyReport(String calibrationMode, List<Layer> layers, List<SampleDrift> worstSamples,
                             List<String> warnings, double averageBits) {
    public AccuracyReport {
        layers = List.copyOf(layers);
        worstSamples = worstSamples == null ? List.of() : List.copyOf(worstSamples);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /**
     * One layer.
     *
     * @param name                 the layer
     * @param method               the method that produced its weights
     * @param reason               why that method, in words
     * @param fitRelError          relative error on the fit part
     * @param validationRelError   relative error on the held-out part ({@code tr(E^T H_val E) / tr(W^T H_val W)}), or
     *                             null when nothing is held out
     * @param overfit              the held-out error exceeds the fit error by more than the run's threshold
     * @param candidates           every method tried (one without {@code --method auto})
     * @param bits                 the layer's bits
     * @param sensitivity          with mixed precision: the whole-model drift (mean {@code 1 - cosine} on held-out
     *                             samples) with this layer alone quantized, by candidate bits; else null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Layer(String name, String method, String reason, double fitRelError, Double validationRelError,
                        boolean overfit, List<Candidate> candidates, int bits,
                        java.util.Map<String, Double> sensitivity) {
        public Layer {
            candidates = List.copyOf(candidates);
            sensitivity = sensitivity == null ? null
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sensitivity));
        }
    }

    /** One method tried on a layer, with its relative errors on the fit and held-out parts (null: none held out). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Candidate(String method, double fitRelError, Double validationRelError) {
    }

    /**
     * One held-out sample's drift.
     *
     * @param sample the sample's index in the calibration set
     * @param output the model output measured
     * @param cosine the cosine of quantized and float output (mask-mean-pooled where the output is a sequence of
     *               vectors and the model has an attention mask)
     * @param relL2  {@code ||y_q - y|| / ||y||}
     */
    public record SampleDrift(int sample, String output, double cosine, double relL2) {
    }
}
