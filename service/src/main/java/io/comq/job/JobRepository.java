package io.comq.job;

import io.comq.asset.AssetUse;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.Page;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Stored jobs. State changes that race with other threads (a worker claiming a job, a cancel) are conditional
 * updates that say whether they won.
 */
@JdbcRepository(dialect = Dialect.H2)
public interface JobRepository extends CrudRepository<Job, String>, AssetUse {

    Optional<Job> findByIdAndTenant(String id, String tenant);

    Optional<Job> findByTenantAndIdempotencyKey(String tenant, String idempotencyKey);

    Page<Job> findByTenant(String tenant, Pageable pageable);

    Page<Job> findByTenantAndState(String tenant, JobState state, Pageable pageable);

    List<Job> findByStateOrderByCreatedAt(JobState state);

    long countByState(JobState state);

    /** Jobs, queued or running, that use this asset as model or calibration set. */
    @Query("SELECT COUNT(*) FROM jobs WHERE (model_id = :assetId OR calibration_set_id = :assetId) "
            + "AND state IN ('QUEUED', 'RUNNING')")
    @Override
    long countActiveUsing(String assetId);

    /** Ends a job that is in {@code from}; returns 1 if it was, else 0 (nothing changed). */
    @Query("UPDATE jobs SET state = :to, finished_at = :at WHERE id = :id AND state = :from")
    long finish(String id, String from, String to, Instant at);

    /** A running job back to queued (the service stops before it ends); 1 if it was running. */
    @Query("UPDATE jobs SET state = 'QUEUED', stage = NULL WHERE id = :id AND state = 'RUNNING'")
    long requeue(String id);

    /** A worker takes a queued job: running, one more attempt, progress reset. 1 if it was queued, else 0. */
    @Query("UPDATE jobs SET state = 'RUNNING', attempts = attempts + 1, started_at = :at, layers_done = 0, "
            + "layers_total = 0, stage = NULL WHERE id = :id AND state = 'QUEUED'")
    long claim(String id, Instant at);

    /** Records progress of a running job. */
    @Query("UPDATE jobs SET stage = :stage, layers_done = :done, layers_total = :total WHERE id = :id "
            + "AND state = 'RUNNING'")
    long progress(String id, @Nullable String stage, int done, int total);

    /** Every job found running, back to queued (at startup: their process stopped). Returns how many. */
    @Query("UPDATE jobs SET state = 'QUEUED', stage = NULL WHERE state = 'RUNNING'")
    long requeueRunning();
}
