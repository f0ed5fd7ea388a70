package io.comq.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.asset.Asset;
import io.comq.asset.AssetRepository;
import io.comq.asset.ModelInfo;
import io.comq.error.CancelledException;
import io.comq.error.InvalidInputException;
import io.comq.format.Folders;
import io.comq.pipeline.LayerResultStore;
import io.comq.pipeline.ModelJob;
import io.comq.pipeline.ModelQuantizer;
import io.comq.quant.linalg.Linalg;
import io.comq.report.ModelReport;
import io.comq.report.Reports;
import io.comq.server.EngineThreads;
import io.comq.server.ServiceSettings;
import io.comq.settings.QuantizeSettings;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs jobs on a fixed pool of {@code comq.jobs.workers} threads, never on HTTP threads. A job is claimed with a
 * conditional update ({@code queued -> running}), quantized by the engine's {@link ModelQuantizer} in a scratch folder
 * under {@code <data-dir>/work/<job id>}, and its artifacts are copied into the blob store under
 * {@code jobs/<job id>/artifacts/<file>} before the job turns {@code succeeded}: a client never sees a partial one.
 *
 * <p>Every finished layer is saved at once in the job's checkpoint folder {@code <data-dir>/work/checkpoints/<job id>}
 * (the engine's {@link LayerResultStore}). At startup, jobs left {@code running} by a stopped process go back to
 * {@code queued} and every queued job is scheduled again; a re-run takes the layers already in its checkpoint instead
 * of computing them again, and the engine is deterministic, so it writes the same model bytes as an uninterrupted run.
 * At shutdown, running jobs stop at their next progress step and go back to {@code queued}, keeping their checkpoint.
 * A checkpoint is removed once its job ends (succeeded, failed, cancelled) or is deleted.
 */
@Singleton
public class JobRunner {

    /** The MDC key carrying the job id in every log line written while the job runs. */
    public static final String MDC_JOB = "job";

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final JobRepository jobs;
    private final JobLayerRepository layers;
    private final AssetRepository assets;
    private final BlobStore store;
    private final DeviceLeases devices;
    private final JobEvents events;
    private final JobNotifier notifier;
    private final ObjectMapper json;
    private final ServiceSettings settings;
    private final ClusterFollower follower;
    private final JobCheckpoints checkpoints;
    private final ThreadPoolExecutor pool;
    private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    JobRunner(JobRepository jobs, JobLayerRepository layers, AssetRepository assets, BlobStore store,
              JobEvents events, JobNotifier notifier, ObjectMapper json, ServiceSettings settings,
              ClusterFollower follower, JobCheckpoints checkpoints, DeviceLeases devices) {
        this.jobs = jobs;
        this.devices = devices;
        this.layers = layers;
        this.assets = assets;
        this.store = store;
        this.events = events;
        this.notifier = notifier;
        this.json = json;
        this.settings = settings;
        this.follower = follower;
        this.checkpoints = checkpoints;
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
        List<Job> queued = jobs.findByStateOrderByCreatedAt(JobState.QUEUED);
        checkpoints.removeAllBut(queued.stream().map(Job::id).collect(java.util.stream.Collectors.toSet()));
        for (Job j : queued) {
            submit(j.id());
        }
    }




    /** Removes the checkpoint of a job that will not run again (cancelled while queued, deleted). */
    public void discardCheckpoint(String jobId) {
        checkpoints.discard(jobId);
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
        RunningJob r = running.get(jobId);
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
        if (!Linalg.process().ready()) {
            LOG.error("job {} left queued: {}", id, Linalg.process().warning().orElse("native math refused"));
            return; // this replica's math cannot be trusted: another replica (or a restart with COMQ_MATH=auto) takes it
        }
        if (stopping || jobs.claim(id, now()) == 0) {
            return; // cancelled while queued, or taken by another worker
        }
        MDC.put(MDC_JOB, id);
        RunningJob r = new RunningJob(id, jobs, layers, events, () -> stopping);
        running.put(id, r);
        Path work = settings.workDir().resolve(id);
        Job job = jobs.findById(id).orElseThrow();
        Path checkpoint = checkpoints.dir(id);
        boolean keepCheckpoint = false;
        Map<String, String> names = new java.util.LinkedHashMap<>(); // server paths -> what the client knows
        try {
            r.resumeFrom(checkpoint);
            events.publish(new JobProgress(id, JobState.RUNNING, null, r.done, r.total, null, null, now()));
            if (r.done > 0) {
                LOG.info("job started (attempt {}), resuming: {} of {} layers taken from its checkpoint",
                        job.attempts(), r.done, r.total);
            } else {
                LOG.info("job started (attempt {})", job.attempts());
            }
            Folders.deleteTree(work);
            Files.createDirectories(work.resolve("in"));
            Asset model = asset(job.modelId(), "model");
            Asset cal = asset(job.calibrationSetId(), "calibration set");
            QuantizeSettings s = json.readValue(job.settingsJson(), QuantizeSettings.class);
            Path modelFile = store.localCopy(model.blobKey(), work.resolve("in"));
            Path calFile = store.localCopy(cal.blobKey(), work.resolve("in"));
            names.put(modelFile.toString(), "model " + model.id());
            names.put(calFile.toString(), "calibration set " + cal.id());
            names.put(work.toString(), "the job's folder");
            names.put(checkpoint.toString(), "the job's checkpoint");
            ModelReport report;
            List<String> artifacts;
            // shards calibrate on the float model and cannot weigh layers against each other: sequential calibration
            // and mixed precision run in this process
            if (follower.onCluster(s, parameters(model))) {
                r.onCluster = true;
                Path out = follower.follow(id, r, s, modelFile, calFile);
                report = Reports.read(out.resolve("report.json"));
                artifacts = JobBlobs.storeArtifacts(store, id, out);
                follower.remove(id);
            } else {
                ModelJob mj = s.modelJob(modelFile, calFile, null, work.resolve("out"), "", true);
                DeviceLeases.Lease held = devices.acquire(mj.kernel(), mj.layer().method().precision(),
                        () -> r.cancelled || stopping);
                if (held == null) {
                    throw new CancelledException("stopped while waiting for a device");
                }
                try (DeviceLeases.Lease lease = held) {
                    if (lease.device() != null) {
                        LOG.info("holding {} for this job", lease.device());
                    }
                    report = new ModelQuantizer().stoppingWhen(r).quantize(mj, checkpoint, r);
                }
                artifacts = JobBlobs.storeArtifacts(store, id, work.resolve("out"));
            }
            String backend = report.layers().isEmpty() ? job.backend() : report.layers().get(0).backend();
            Job done = jobs.findById(id).orElseThrow().succeeded(backend, report.layers().size(), now());
            jobs.update(done);
            LOG.info("job succeeded: {} layers, artifacts {}", report.layers().size(), artifacts);
            finished(done, artifacts);
        } catch (CancelledException e) {
            if (r.cancelled && r.onCluster) {
                follower.remove(id);
            }
            if (r.cancelled) {
                jobs.finish(id, JobState.RUNNING.name(), JobState.CANCELLED.name(), now());
                LOG.info("job cancelled");
                finished(jobs.findById(id).orElseThrow(), List.of());
            } else {
                jobs.requeue(id);
                keepCheckpoint = true;
                LOG.info("service stopping: job queued again; {} layers kept in its checkpoint", r.done);
            }
        } catch (ClusterFollower.Failed e) {
            follower.remove(id);
            fail(id, "ClusterJobFailed", FailureText.of(e.getMessage(), names));
        } catch (InvalidInputException e) {
            fail(id, e.getClass().getSimpleName(), FailureText.of(e.getMessage(), names));
        } catch (Exception | Error e) {
            LOG.error("job failed with an internal error", e);
            fail(id, "InternalError", "internal error: " + FailureText.of(e.toString(), names));
        } finally {
            running.remove(id);
            try {
                Folders.deleteTree(work);
            } catch (IOException e) {
                LOG.warn("cannot remove the scratch folder {}: {}", work, e.toString());
            }
            if (!keepCheckpoint) {
                checkpoints.discard(id);
            }
            MDC.remove(MDC_JOB);
        }
    }

    /** Weights in the model's quantizable layers, as the upload's inspection found them. */
    private long parameters(Asset model) throws IOException {
        ModelInfo info = json.readValue(model.infoJson(), ModelInfo.class);
        long n = 0;
        for (ModelInfo.Layer l : info.layers()) {
            n += l.weightShape().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
        }
        return n;
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

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

}
