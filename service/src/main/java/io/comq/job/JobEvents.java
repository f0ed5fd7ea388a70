package io.comq.job;

import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live progress of jobs in this process: the runner publishes every step, subscribers (a server-sent-event
 * stream, say) receive the steps of one job. Listeners are called on the worker thread and must not block; one that
 * throws is logged and kept. A job's subscribers are dropped when it reaches a terminal state (after they receive it).
 */
@Singleton
public class JobEvents {

    private static final Logger LOG = LoggerFactory.getLogger(JobEvents.class);

    private final Map<String, List<Consumer<JobProgress>>> listeners = new ConcurrentHashMap<>();
    private final List<Consumer<JobProgress>> everyJob = new CopyOnWriteArrayList<>();

    /**
     * Calls {@code listener} with each later step of job {@code jobId}, until the returned handle is closed or the job
     * ends.
     */
    public AutoCloseable subscribe(String jobId, Consumer<JobProgress> listener) {
        listeners.computeIfAbsent(jobId, k -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> listeners.computeIfPresent(jobId, (k, l) -> {
            l.remove(listener);
            return l.isEmpty() ? null : l;
        });
    }

    /** Calls {@code listener} with every step of every job in this process (metrics); same rules as subscribers. */
    public void subscribeAll(Consumer<JobProgress> listener) {
        everyJob.add(listener);
    }

    /** Hands {@code p} to the job's subscribers. */
    public void publish(JobProgress p) {
        for (Consumer<JobProgress> l : everyJob) {
            try {
                l.accept(p);
            } catch (RuntimeException e) {
                LOG.warn("a progress listener of all jobs failed: {}", e.toString());
            }
        }
        List<Consumer<JobProgress>> ls = p.state().terminal() ? listeners.remove(p.jobId()) : listeners.get(p.jobId());
        if (ls == null) {
            return;
        }
        for (Consumer<JobProgress> l : ls) {
            try {
                l.accept(p);
            } catch (RuntimeException e) {
                LOG.warn("a progress listener of job {} failed: {}", p.jobId(), e.toString());
            }
        }
    }
}
