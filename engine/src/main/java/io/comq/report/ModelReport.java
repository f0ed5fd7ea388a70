package io.comq.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a whole-model run did and how well: per-layer figures, totals, optional output drift, and every file written
 * with its size and SHA-256. {@link Reports} writes it as {@code report.json} and {@code report.html}.
 *
 * @param tool      the tool and its version
 * @param model     the model that was quantized (its path or name)
 * @param createdAt when the report was made, ISO-8601 UTC
 * @param settings  the run's settings, as the user gave them or as defaulted (for reading, not for re-running)
 * @param layers    every quantized layer, in model order
 * @param totals    figures over all layers
 * @param drift     output drift, or {@code null} when not measured
 * @param artifacts files written
 * @param accuracy  held-out errors, method choices and worst samples, or {@code null} when not measured
 * @param environment where it ran: CPU, Java, the checked math (OpenBLAS version, core, self-test) and kernels
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelReport(String tool, String model, String createdAt, Map<String, String> settings,
                          List<LayerEntry> layers, Totals totals, Drift drift, List<Artifact> artifacts,
                          AccuracyReport accuracy, Environment environment) {
    public ModelReport {
        settings = settings == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        layers = List.copyOf(layers);
        artifacts = artifacts == null ? List.of() : List.copyOf(artifacts);
        if (totals == null) {
            totals = Totals.of(layers);
        }
    }

    /** A report without accuracy figures. */
    public ModelReport(String tool, String model, String createdAt, Map<String, String> settings,
                       List<LayerEntry> layers, Totals totals, Drift drift, List<Artifact> artifacts) {
        this(tool, model, createdAt, settings, layers, totals, drift, artifacts, null, Environment.current());
    }

    /** This report with accuracy figures. */
    public ModelReport withAccuracy(AccuracyReport a) {
        return new ModelReport(tool, model, createdAt, settings, layers, totals, drift, artifacts, a, environment);
    }

    /** A report made now, with totals computed from the layers. */
    public static ModelReport of(String tool, String model, Map<String, String> settings, List<LayerEntry> layers,
                                 Drift drift, List<Artifact> artifacts) {
        return new ModelReport(tool, model, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), settings, layers,
                null, drift, artifacts);
    }

    /** This report with the artifacts replaced. */
    public ModelReport withArtifacts(List<Artifact> written) {
        return new ModelReport(tool, model, createdAt, settings, layers, totals, drift, written, accuracy,
                environment);
    }
}
