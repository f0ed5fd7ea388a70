package io.comq.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.asset.Asset;
import io.comq.asset.AssetRepository;
import io.comq.error.InvalidInputException;
import io.comq.pipeline.ModelQuantizer;
import io.comq.quant.ProgressListener;
import io.comq.report.ModelReport;
import io.comq.server.EngineThreads;
import io.comq.server.ServiceSettings;
import io.comq.store.BlobStore;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs jobs on a fixed pool of {@code comq.jobs.workers} threads, never on HTTP threads. A job is claimed with a
 * conditional update ({@code queued -> running}), quantized by the engine's {@link ModelQuantizer} in a scratch folder
 * under {@code <data-dir>/work/<job id>}, and its artifacts are copied into the blob store under
 * {@code jobs/<job id>/artifacts/<file>} before the job turns {@code succeeded}: a client never sees a partial one.
 *
 * <p>At startup, jobs left {@code running} by a stopped process go back to {@code queued} and every queued job is
 * scheduled again; the engine is deterministic, so a re-run writes the same model bytes. At shutdown, running jobs
 * stop at their next progress step and go back to {@code queued}.
 */
@Singleton
public class JobRunner {

    /** The MDC key carrying the job id in every log line written while the job runs. */
    public static final String MDC_JOB = "job";

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
    private static final long PERSIST_EVERY_MS = 1000;

    private final JobRepository jobs;
    private final JobLayerRepository layers;
    private final AssetRepository assets;
    private final BlobStore store;
    private final JobEvents events;
    private final JobNotifier notifier;
    private final ObjectMapper json;
    private final ServiceSettings settings;
    private final ThreadPoolExecutor pool;
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    JobRunner(JobRepository jobs, JobLayerRepository layers, AssetRepository assets, BlobStore store,
              JobEvents events, JobNotifier notifier, ObjectMapper json, ServiceSettings settings) {
        this.jobs = jobs;
        this.layers = layers;
        this.assets = assets;
        this.store = store;
        this.events = events;
        this.notifier = notifier;
        this.json = json;
        this.settings = settings;
        int n = Math.max(1, settings.getJobs().getWorkers());
        this.pool = new ThreadPoolExecutor(n, n, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                EngineThreads.factory("comq-job-"));
    }

    /** Requeues jobs a stopped process left running and schedules every queued job, oldest first. */
    @EventListener
    void onStartup(StartupEvent e) {
        long requeued = jobs.requeueRunning();
        if (requeued > 0) {
            LOG.info("{} job(s) were running when the service last stopped; queued again", requeued);
        }
        for (Job j : jobs.findByStateOrderByCreatedAt(JobState.QUEUED)) {
            submit(j.id());
        }
    }

    /** Schedules a queued job. */
    public void submit(String jobId) {
        if (!stopping) {
            pool.execute(() -> run(jobId));
        }
    }

    /** Jobs waiting for a worker in this process. */
    public int queueLength() {
        return pool.getQueue().size();
    }

    /**
     * Asks a job running in this process to stop at its next progress step and end {@code cancelled}.
     *
     * @return whether it was running here
     */
    public boolean cancel(String jobId) {
        Running r = running.get(jobId);
        if (r == null) {
            return false;
        }
        r.cancelled = true;
        return true;
    }

    /** Stops taking jobs; running ones stop at their next step and are queued again for the next start. */
    @PreDestroy
    void shutdown() throws InterruptedException {
        stopping = true;
        pool.getQueue().clear();
        pool.shutdown();
        if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
            LOG.warn("jobs still running at shutdown: {}", running.keySet());
            pool.shutdownNow();
        }
    }

    private void run(String id) {
        if (stopping || jobs.claim(id, now()) == 0) {
            return; // cancelled while queued, or taken by another worker
        }
        MDC.put(MDC_JOB, id);
        Running r = new Running(id);
        running.put(id, r);
        Path work = settings.workDir().resolve(id);
        Job job = jobs.findById(id).orElseThrow();
        Map<String, String> names = new java.util.LinkedHashMap<>(); // server paths -> what the client knows
        try {
            layers.deleteByJobId(id);
            events.publish(new JobProgress(id, JobState.RUNNING, null, 0, 0, null, null, now()));
            LOG.info("job started (attempt {})", job.attempts());
            deleteTree(work);
            Files.createDirectories(work.resolve("in"));
            Asset model = asset(job.modelId(), "model");
            Asset cal = asset(job.calibrationSetId(), "calibration set");
            JobSettings s = json.readValue(job.settingsJson(), JobSettings.class);
            Path modelFile = store.localCopy(model.blobKey(), work.resolve("in"));
            Path calFile = store.localCopy(cal.blobKey(), work.resolve("in"));
            names.put(modelFile.toString(), "model " + model.id());
            names.put(calFile.toString(), "calibration set " + cal.id());
            names.put(work.toString(), "the job's folder");
            ModelReport report = new ModelQuantizer().quantize(s.modelJob(modelFile, calFile, work.resolve("out")), r);
            List<String> artifacts = storeArtifacts(id, work.resolve("out"));
            String backend = report.layers().isEmpty() ? job.backend() : report.layers().get(0).backend();
            Job done = jobs.findById(id).orElseThrow().succeeded(backend, report.layers().size(), now());
            jobs.update(done);
            LOG.info("job succeeded: {} layers, artifacts {}", report.layers().size(), artifacts);
            finished(done, artifacts);
        } catch (Stopped e) {
            if (r.cancelled) {
                jobs.finish(id, JobState.RUNNING.name(), JobState.CANCELLED.name(), now());
                LOG.info("job cancelled");
                finished(jobs.findById(id).orElseThrow(), List.of());
            } else {
                jobs.requeue(id);
                LOG.info("service stopping: job queued again");
            }
        } catch (InvalidInputException e) {
            fail(id, e.getClass().getSimpleName(), scrub(e.getMessage(), names));
        } catch (Exception | Error e) {
            LOG.error("job failed with an internal error", e);
            fail(id, "InternalError", "internal error: " + scrub(e.toString(), names));
        } finally {
            running.remove(id);
            try {
                deleteTree(work);
            } catch (IOException e) {
                LOG.warn("cannot remove the scratch folder {}: {}", work, e.toString());
            }
            MDC.remove(MDC_JOB);
        }
    }

    private static String scrub(String message, Map<String, String> names) {
        String m = message == null ? "" : message;
        for (Map.Entry<String, String> e : names.entrySet()) {
            m = m.replace(e.getKey(), e.getValue());
        }
        return m;
    }

    private void fail(String id, String type, String detail) {
        LOG.info("job failed: {}: {}", type, detail);
        Job j = jobs.findById(id).orElseThrow().failed(type, detail, now());
        jobs.update(j);
        finished(j, List.of());
    }

    private void finished(Job j, List<String> artifacts) {
        events.publish(new JobProgress(j.id(), j.state(), null, j.layersDone(), j.layersTotal(), null, null, now()));
        try {
            notifier.jobFinished(new JobSummary(j.id(), j.tenant(), j.state(), j.webhookUrl(), j.modelId(),
                    j.backend(), j.layersDone(), j.layersTotal(), artifacts, j.errorType(), j.errorDetail(),
                    j.createdAt(), j.finishedAt()));
        } catch (RuntimeException e) {
            LOG.warn("the job notifier failed: {}", e.toString());
        }
    }

    private Asset asset(String id, String what) {
        return assets.findById(id).orElseThrow(() -> new InvalidInputException("the " + what + " '" + id
                + "' was deleted before the job ran"));
    }

    private List<String> storeArtifacts(String id, Path out) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                store.putFile(artifactKey(id, name), f);
                names.add(name);
            }
        }
        return names;
    }

    /** The blob key of a job's artifact (a file name the engine wrote, never a client's). */
    public static String artifactKey(String jobId, String name) {
        return jobPrefix(jobId) + "artifacts/" + name;
    }

    /** The prefix of every blob that belongs to a job. */
    public static String jobPrefix(String jobId) {
        return "jobs/" + jobId + "/";
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Thrown out of the engine's progress callback to stop a job (cancel or shutdown). */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    /** A job running in this process: receives the engine's progress, records it, and stops the job when asked. */
    private final class Running implements ProgressListener {
        private final String id;
        private volatile boolean cancelled;
        private int done;
        private int total;
        private Double lastRelError;
        private long persistedAt;

        Running(String id) {
            this.id = id;
        }

        @Override
        public synchronized void progress(String stage, long d, long t) {
            if (cancelled || stopping) {
                throw new Stopped();
            }
            long nowMs = System.currentTimeMillis();
            if (stage.startsWith("quantized ")) {
                done = (int) d;
                total = (int) t;
                String layer = stage.substring("quantized ".length());
                layers.save(new JobLayer(id + "/" + done, id, done, layer, lastRelError, now()));
                jobs.progress(id, stage, done, total);
                persistedAt = nowMs;
                events.publish(new JobProgress(id, JobState.RUNNING, stage, done, total, layer, lastRelError, now()));
                lastRelError = null;
                return;
            }
            if (stage.startsWith("calibration") || stage.startsWith("evaluation")) {
                String s = stage + " " + d + "/" + t;
                if (nowMs - persistedAt >= PERSIST_EVERY_MS || d == t) {
                    jobs.progress(id, s, done, total);
                    persistedAt = nowMs;
                }
                events.publish(new JobProgress(id, JobState.RUNNING, s, done, total, null, null, now()));
            }
        }

        @Override
        public synchronized void sweepFinished(int sweep, int sweeps, double relError) {
            if (cancelled || stopping) {
                throw new Stopped();
            }
            lastRelError = relError;
        }
    }
}
