package io.comq.job;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/**
 * One layer a running job has finished.
 *
 * @param id         {@code <job id>/<seq>}
 * @param jobId      the job
 * @param seq        1-based order of completion
 * @param name       the layer's id in the model
 * @param relError   its relative reconstruction error after the last sweep, where the method reports one
 * @param finishedAt when it finished
 */
@MappedEntity(value = "job_layers", escape = false)
public record JobLayer(@Id String id, String jobId, int seq, String name, @Nullable Double relError,
                       Instant finishedAt) {
}
