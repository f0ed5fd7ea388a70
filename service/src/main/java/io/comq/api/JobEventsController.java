package io.comq.api;

import io.comq.auth.Tenant;
import io.comq.job.Job;
import io.comq.job.JobEvents;
import io.comq.job.JobProgress;
import io.comq.job.JobService;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.sse.Event;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * {@code GET /v1/jobs/{id}/events}: a job's progress as server-sent events. The stream opens with a {@code state}
 * event (the job as it is now), then sends a {@code progress} event for every step the worker publishes (state
 * changes, stages, finished layers with their error), a {@code heartbeat} every 15 seconds while nothing happens, and
 * ends after the event that carries a terminal state. Each event's data is a {@link JobProgress} as JSON.
 */
@Controller("/v1/jobs/{id}/events")
public class JobEventsController {
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final Logger LOG = LoggerFactory.getLogger(JobEventsController.class);

    private final JobService jobs;
    private final JobEvents events;

    JobEventsController(JobService jobs, JobEvents events) {
        this.jobs = jobs;
        this.events = events;
    }

    @Get
    @Produces(MediaType.TEXT_EVENT_STREAM)
    @ExecuteOn(TaskExecutors.BLOCKING)
    Publisher<Event<Object>> stream(Tenant tenant, String id) {
        jobs.get(tenant.id(), id); // 404 before the stream starts
        AtomicLong seq = new AtomicLong();
        Flux<Event<Object>> steps = Flux.create(sink -> follow(tenant, id, sink, seq), FluxSink.OverflowStrategy.BUFFER);
        Flux<Event<Object>> heartbeats = Flux.interval(HEARTBEAT)
                .map(i -> Event.<Object>of(Map.of("at", Instant.now().toString())).name("heartbeat"));
        return steps.mergeWith(heartbeats).takeUntil(JobEventsController::isLast);
    }

    /** Subscribes first, then sends the snapshot, then the steps that arrived meanwhile, then live steps. */
    private void follow(Tenant tenant, String id, FluxSink<Event<Object>> sink, AtomicLong seq) {
        Object lock = new Object();
        List<JobProgress> early = new ArrayList<>();
        boolean[] live = {false};
        AutoCloseable subscription = events.subscribe(id, p -> {
            synchronized (lock) {
                if (live[0]) {
                    sink.next(event("progress", p, seq));
                } else {
                    early.add(p);
                }
            }
        });
        sink.onDispose(() -> {
            try {
                subscription.close();
            } catch (Exception e) {
                LOG.debug("closing the event subscription of job {}: {}", id, e.toString());
            }
        });
        try {
            Job now = jobs.get(tenant.id(), id);
            synchronized (lock) {
                sink.next(event("state", new JobProgress(now.id(), now.state(), now.stage(), now.layersDone(),
                        now.layersTotal(), null, null, Instant.now()), seq));
                for (JobProgress p : early) {
                    sink.next(event("progress", p, seq));
                }
                live[0] = true;
            }
        } catch (RuntimeException e) {
            sink.error(e);
        }
    }

    private static Event<Object> event(String name, JobProgress p, AtomicLong seq) {
        return Event.<Object>of(p).name(name).id(Long.toString(seq.incrementAndGet()));
    }

    private static boolean isLast(Event<Object> e) {
        return e.getData() instanceof JobProgress p && p.state().terminal();
    }
}
