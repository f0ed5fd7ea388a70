package io.comq.job;

import io.comq.cluster.ClusterConfig;
import io.comq.cluster.ShardedJobs;
import io.comq.error.CancelledException;
import io.comq.error.InvalidInputException;
import io.comq.format.Folders;
import io.comq.quant.Cancellation;
import io.comq.settings.QuantizeSettings;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job quantized as a sharded Kubernetes job, followed from this worker: submitted once (or found again after a
 * restart), polled until the assembled model is there, and its objects and shared folder removed when no longer
 * needed. Progress goes to the job's record and live events like any other job's.
 */
@Singleton
class ClusterFollower {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterFollower.class);
    private static final long POLL_MS = 1000;

    private final ShardedJobs cluster;
    private final ClusterConfig clusterConfig;
    private final JobRepository jobs;
    private final JobEvents events;

    ClusterFollower(ShardedJobs cluster, ClusterConfig clusterConfig, JobRepository jobs, JobEvents events) {
        this.cluster = cluster;
        this.clusterConfig = clusterConfig;
        this.jobs = jobs;
        this.events = events;
    }

    /** Whether a model of this many weights is quantized on the cluster. */
    boolean onCluster(QuantizeSettings s, long parameters) {
        return s.shardable() && cluster.placement(parameters) == ShardedJobs.Placement.CLUSTER;
    }

    /**
     * Runs the job as a sharded Kubernetes job: the model and calibration set go to the shared work volume
     * ({@code comq.cluster.work-mount}, mounted at the same path here and in the pods), the shards and the assembly
     * run as Jobs, and this worker follows them until the assembled model is there. A job already submitted (the
     * service restarted while it ran) is followed again, not submitted twice.
     *
     * @return the folder holding the assembled model and its report
     */
    Path follow(String id, Cancellation stop, QuantizeSettings s, Path modelFile, Path calFile) throws IOException {
        Path shared = Path.of(clusterConfig.workMount()).resolve("jobs").resolve(id);
        String rel = "jobs/" + id + "/";
        ShardedJobs.Status st;
        try {
            st = cluster.status(id);
            LOG.info("following the cluster job submitted by an earlier attempt: {}", st.phase());
        } catch (InvalidInputException notThere) {
            Files.createDirectories(shared);
            Files.copy(modelFile, shared.resolve("model.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(calFile, shared.resolve("calibration.npz"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            st = cluster.submit(new ShardedJobs.Request(id, rel + "model.onnx", rel + "calibration.npz", s));
            LOG.info("submitted to the cluster: {} shards in namespace {}", st.shards(), clusterConfig.namespace());
        }
        String last = null;
        while (true) {
            String stage = switch (st.phase()) {
                case SHARDING -> "cluster: " + st.succeeded() + "/" + st.shards() + " shards done"
                        + (st.failed() > 0 ? ", " + st.failed() + " pod failures" : "");
                case ASSEMBLING -> "cluster: assembling the model";
                case SUCCEEDED -> "cluster: assembled";
                case FAILED -> "cluster: failed";
            };
            if (!stage.equals(last)) {
                jobs.progress(id, stage, 0, 0);
                events.publish(new JobProgress(id, JobState.RUNNING, stage, 0, 0, null, null, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
                last = stage;
            }
            if (st.phase() == ShardedJobs.Phase.SUCCEEDED) {
                return Path.of(st.out());
            }
            if (st.phase() == ShardedJobs.Phase.FAILED) {
                throw new Failed("the sharded job failed on the cluster: " + st.message());
            }
            if (stop.isCancelled()) { // the cluster job runs on; the next start follows it again
                throw new CancelledException("stopped while following the cluster job");
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancelledException("interrupted while following the cluster job");
            }
            st = cluster.status(id);
        }
    }

    /** Deletes a job's Kubernetes objects and its folder on the shared volume, once the job no longer needs them. */
    void remove(String id) {
        try {
            cluster.delete(id);
            Folders.deleteTree(Path.of(clusterConfig.workMount()).resolve("jobs").resolve(id));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot remove the job's cluster objects or shared folder: {}", e.toString());
        }
    }

    /** A sharded job failed on the cluster (a shard's or the assembly's pods failed for good). */
    static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message);
        }
    }
}
