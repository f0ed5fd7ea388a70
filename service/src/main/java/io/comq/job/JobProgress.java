package io.comq.job;

import io.micronaut.core.annotation.Nullable;
import java.time.Instant;

/**
 * One step of a job, as published to {@link JobEvents} subscribers: a state change, a calibration or evaluation
 * batch, or a finished layer.
 *
 * @param jobId       the job
 * @param state       its state after this step
 * @param stage       what runs now, or null
 * @param layersDone  layers finished
 * @param layersTotal layers in all (0 until known)
 * @param layer       for a finished layer: its id; else null
 * @param relError    for a finished layer: its relative error after the last sweep, if the method reports one
 * @param at          when
 */
public record JobProgress(String jobId, JobState state, @Nullable String stage, int layersDone, int layersTotal,
                          @Nullable String layer, @Nullable Double relError, Instant at) {
}
