package io.comq.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.comq.job.Job;
import io.comq.job.JobLayer;
import io.comq.job.JobState;
import io.comq.settings.QuantizeSettings;
import io.comq.store.BlobInfo;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A job as the API shows it.
 *
 * @param id               the job id
 * @param state            queued, running, succeeded, failed or cancelled
 * @param modelId          the model
 * @param calibrationSetId the calibration set
 * @param settings         the quantization settings, defaults filled in
 * @param webhookUrl       where the summary goes when it ends
 * @param backend          the kernel backend asked for; once it succeeded, the one that ran
 * @param progress         how far it is
 * @param error            why it failed, or null
 * @param attempts         times a worker started it (more than 1 after a restart)
 * @param createdAt        submitted
 * @param startedAt        current attempt started
 * @param finishedAt       ended
 * @param artifacts        the files it produced (succeeded jobs only)
 */
@Introspected
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(String id, JobState state, String modelId, String calibrationSetId,
                      @Nullable QuantizeSettings settings, @Nullable String webhookUrl, @Nullable String backend,
                      Progress progress, @Nullable ErrorInfo error, int attempts, Instant createdAt,
                      @Nullable Instant startedAt, @Nullable Instant finishedAt, @Nullable List<ArtifactInfo> artifacts) {

    /**
     * Progress of a job.
     *
     * @param stage       what runs now (a calibration pass, a layer, the drift evaluation)
     * @param layersDone  layers quantized
     * @param layersTotal layers in all (0 until the first is done)
     * @param etaSeconds  estimated seconds left, from the time per finished layer; null when unknown
     * @param layers      the finished layers in order (full view only)
     */
    @Introspected
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Progress(@Nullable String stage, int layersDone, int layersTotal, @Nullable Long etaSeconds,
                           @Nullable List<LayerDone> layers) {
    }

    /**
     * A finished layer.
     *
     * @param name       the layer's id in the model
     * @param relError   its relative reconstruction error after the last COMQ sweep, where reported
     * @param finishedAt when
     */
    @Introspected
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LayerDone(String name, @Nullable Double relError, Instant finishedAt) {
    }

    /**
     * Why a job failed.
     *
     * @param type   the kind of error (the engine's error type, or InternalError)
     * @param detail what went wrong
     */
    @Introspected
    public record ErrorInfo(String type, @Nullable String detail) {
    }

    /**
     * One artifact.
     *
     * @param name   its file name
     * @param size   bytes
     * @param sha256 of its bytes
     * @param href   where to download it
     */
    @Introspected
    public record ArtifactInfo(String name, long size, String sha256, String href) {
    }

    /** The full view: settings and per-layer progress (and artifacts when given). */
    static JobView of(Job j, QuantizeSettings settings, List<JobLayer> layers, @Nullable List<ArtifactInfo> artifacts) {
        List<LayerDone> done = layers.stream().map(l -> new LayerDone(l.name(), l.relError(), l.finishedAt())).toList();
        return view(j, settings, done, artifacts);
    }

    /** The short view of a listing. */
    static JobView summary(Job j) {
        return view(j, null, null, null);
    }

    private static JobView view(Job j, @Nullable QuantizeSettings settings, @Nullable List<LayerDone> layers,
                                @Nullable List<ArtifactInfo> artifacts) {
        Long eta = null;
        if (j.state() == JobState.RUNNING && j.startedAt() != null && j.layersDone() > 0 && j.layersTotal() > 0) {
            long elapsed = Duration.between(j.startedAt(), Instant.now()).toMillis();
            eta = Math.max(0, elapsed * (j.layersTotal() - j.layersDone()) / j.layersDone() / 1000);
        }
        ErrorInfo error = j.errorType() == null ? null : new ErrorInfo(j.errorType(), j.errorDetail());
        return new JobView(j.id(), j.state(), j.modelId(), j.calibrationSetId(), settings, j.webhookUrl(),
                j.backend(), new Progress(j.stage(), j.layersDone(), j.layersTotal(), eta, layers), error,
                j.attempts(), j.createdAt(), j.startedAt(), j.finishedAt(), artifacts);
    }

    static ArtifactInfo artifact(String jobId, String name, BlobInfo b) {
        return new ArtifactInfo(name, b.size(), b.sha256(), "/v1/jobs/" + jobId + "/artifacts/" + name);
    }
}
