package io.comq.metrics;

import io.comq.asset.AssetKind;
import io.comq.job.JobEvents;
import io.comq.job.JobProgress;
import io.comq.job.JobRepository;
import io.comq.job.JobState;
import io.comq.store.BlobStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the service's metrics:
 * <ul>
 *   <li>{@code comq_jobs{state}}: jobs in each state (all tenants), from the database;</li>
 *   <li>{@code comq_jobs_queue_length}: jobs waiting for a worker;</li>
 *   <li>{@code comq_layer_duration_seconds}: per quantized layer, the time from the job's previous progress step to
 *       the layer's completion (its sweeps), a histogram;</li>
 *   <li>{@code comq_stored_bytes{kind}}: bytes of models, calibration sets and job artifacts in the blob store.</li>
 * </ul>
 * Database-backed values are read at most once a second, artifact bytes at most once a minute (a store listing).
 */
@Context
@Requires(beans = MeterRegistry.class)
public class ServiceMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceMetrics.class);
    private static final long STATE_TTL_NANOS = 1_000_000_000L;
    private static final long ARTIFACT_TTL_NANOS = 60_000_000_000L;

    private final JobRepository jobs;
    private final StoredBytesRepository bytes;
    private final BlobStore store;
    private final Timer layerTimer;
    private final Map<String, Long> lastStepNanos = new ConcurrentHashMap<>();

    private Map<JobState, Long> counts = new EnumMap<>(JobState.class);
    private long countsAt;
    private double artifactBytes;
    private long artifactBytesAt;
    private boolean artifactBytesKnown;

    ServiceMetrics(MeterRegistry registry, JobRepository jobs, StoredBytesRepository bytes, BlobStore store,
                   JobEvents events) {
        this.jobs = jobs;
        this.bytes = bytes;
        this.store = store;
        for (JobState s : JobState.values()) {
            Gauge.builder("comq.jobs", this, m -> m.count(s)).tag("state", s.id())
                    .description("Jobs in each state, all tenants").register(registry);
        }
        Gauge.builder("comq.jobs.queue.length", this, m -> m.count(JobState.QUEUED))
                .description("Jobs waiting for a worker").register(registry);
        this.layerTimer = Timer.builder("comq.layer.duration")
                .description("Time to quantize one layer (from the job's previous progress step to the layer's end)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry);
        gauge(registry, "model", m -> bytes.sumSizeByKind(AssetKind.MODEL.name()));
        gauge(registry, "calibration-set", m -> bytes.sumSizeByKind(AssetKind.CALIBRATION_SET.name()));
        gauge(registry, "artifact", ServiceMetrics::artifactBytes);
        events.subscribeAll(this::onStep);
    }

    private void gauge(MeterRegistry registry, String kind, ToDoubleFunction<ServiceMetrics> value) {
        Gauge.builder("comq.stored.bytes", this, m -> {
            try {
                return value.applyAsDouble(m);
            } catch (RuntimeException e) {
                LOG.debug("stored bytes of {} unavailable: {}", kind, e.toString());
                return Double.NaN;
            }
        }).tag("kind", kind).baseUnit("bytes").description("Bytes in the blob store").register(registry);
    }

    private synchronized double count(JobState s) {
        long now = System.nanoTime();
        if (countsAt == 0 || now - countsAt > STATE_TTL_NANOS) {
            Map<JobState, Long> fresh = new EnumMap<>(JobState.class);
            for (JobState st : JobState.values()) {
                fresh.put(st, jobs.countByState(st));
            }
            counts = fresh;
            countsAt = now;
        }
        return Optional.ofNullable(counts.get(s)).orElse(0L);
    }

    private synchronized double artifactBytes() {
        long now = System.nanoTime();
        if (!artifactBytesKnown || now - artifactBytesAt > ARTIFACT_TTL_NANOS) {
            try {
                long sum = 0;
                for (String key : store.list("jobs/")) {
                    sum += store.stat(key).map(b -> b.size()).orElse(0L);
                }
                artifactBytes = sum;
                artifactBytesKnown = true;
            } catch (IOException e) {
                LOG.debug("cannot list the artifacts: {}", e.toString());
            }
            artifactBytesAt = now;
        }
        return artifactBytesKnown ? artifactBytes : Double.NaN;
    }

    private void onStep(JobProgress p) {
        long now = System.nanoTime();
        Long previous = p.state().terminal() ? lastStepNanos.remove(p.jobId()) : lastStepNanos.put(p.jobId(), now);
        if (p.layer() != null && previous != null && p.state() == JobState.RUNNING) {
            layerTimer.record(Duration.ofNanos(now - previous));
        }
    }
}
