package io.comq.job;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/**
 * What a finished job hands to {@link JobNotifier}: enough for a webhook body.
 *
 * @param jobId       the job
 * @param tenant      its owner
 * @param state       {@code succeeded}, {@code failed} or {@code cancelled}
 * @param webhookUrl  the URL the client gave, or null
 * @param modelId     the model asset
 * @param backend     the kernel backend that ran it
 * @param layersDone  layers quantized
 * @param layersTotal layers in all
 * @param artifacts   the artifacts' names (under {@code /v1/jobs/{id}/artifacts/}), empty unless it succeeded
 * @param errorType   for a failure, its kind
 * @param errorDetail for a failure, what went wrong
 * @param createdAt   submission time
 * @param finishedAt  end time
 */
public record JobSummary(String jobId, String tenant, JobState state, @Nullable String webhookUrl, String modelId,
                         @Nullable String backend, int layersDone, int layersTotal, List<String> artifacts,
                         @Nullable String errorType, @Nullable String errorDetail, Instant createdAt,
                         @Nullable Instant finishedAt) {
}
