package io.comq.job;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/**
 * One quantization job as stored. Immutable: a change is a new record written by {@link JobRepository}.
 *
 * @param id               the job's id (a UUID)
 * @param tenant           the owner
 * @param state            where it is
 * @param modelId          the model asset
 * @param calibrationSetId the calibration set asset
 * @param settingsJson     the validated {@link QuantizeSettings}, defaults filled in, as JSON
 * @param webhookUrl       where to post the summary when it ends, or null
 * @param idempotencyKey   the client's {@code Idempotency-Key}, or null
 * @param requestSha256    digest of the creating request, to refuse a reused key with a different request
 * @param backend          the kernel backend asked for, then the one that ran
 * @param stage            what runs now (calibration pass, layer, evaluation), or null
 * @param layersDone       layers quantized so far
 * @param layersTotal      layers to quantize (0 until known)
 * @param attempts         how many times a worker started it
 * @param errorType        for {@code failed}: the kind of error; else null
 * @param errorDetail      for {@code failed}: what went wrong, for a person
 * @param createdAt        when it was submitted
 * @param startedAt        when its current attempt started
 * @param finishedAt       when it reached a terminal state
 */
@MappedEntity(value = "jobs", escape = false)
public record Job(@Id String id, String tenant, JobState state, String modelId, String calibrationSetId,
                  String settingsJson, @Nullable String webhookUrl, @Nullable String idempotencyKey,
                  String requestSha256, @Nullable String backend, @Nullable String stage, int layersDone,
                  int layersTotal, int attempts, @Nullable String errorType, @Nullable String errorDetail,
                  Instant createdAt, @Nullable Instant startedAt, @Nullable Instant finishedAt) {

    /** This job failed with this error. */
    public Job failed(String type, String detail, Instant at) {
        return new Job(id, tenant, JobState.FAILED, modelId, calibrationSetId, settingsJson, webhookUrl,
                idempotencyKey, requestSha256, backend, stage, layersDone, layersTotal, attempts, type, detail,
                createdAt, startedAt, at);
    }

    /** This job succeeded: all {@code layers} quantized by {@code backend}. */
    public Job succeeded(String backend, int layers, Instant at) {
        return new Job(id, tenant, JobState.SUCCEEDED, modelId, calibrationSetId, settingsJson, webhookUrl,
                idempotencyKey, requestSha256, backend, null, layers, layers, attempts, null, null, createdAt,
                startedAt, at);
    }
}
