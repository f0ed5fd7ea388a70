package io.comq.job;

import io.comq.error.InvalidInputException;
import io.comq.format.Folders;
import io.comq.pipeline.LayerResultStore;
import io.comq.quant.Cancellation;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job running in this process: records the engine's progress (each finished layer in the job's layer table and as a
 * live event, calibration passes at most once a second), resumes from the job's checkpoint, and is the token the engine
 * asks whether to stop (a cancel, or the service stopping).
 */
final class RunningJob implements ProgressListener, Cancellation {
    private static final Logger LOG = LoggerFactory.getLogger(RunningJob.class);
    private static final long PERSIST_EVERY_MS = 1000;

    private final String id;
    private final JobRepository jobs;
    private final JobLayerRepository layers;
    private final JobEvents events;
    private final BooleanSupplier stopping;
    volatile boolean cancelled;
    volatile boolean onCluster;
    int done;
    int total;
    private int reused;
    private Double lastRelError;
    private long persistedAt;

    RunningJob(String id, JobRepository jobs, JobLayerRepository layers, JobEvents events, BooleanSupplier stopping) {
        this.id = id;
        this.jobs = jobs;
        this.layers = layers;
        this.events = events;
        this.stopping = stopping;
    }

    /**
     * Takes the layers already in the job's checkpoint as done: their records of the earlier attempt are kept
     * (renumbered in checkpoint order), the others dropped. A damaged checkpoint is removed: the job starts afresh.
     */
    void resumeFrom(Path checkpoint) throws IOException {
        List<JobLayer> before = layers.findByJobIdOrderBySeq(id);
        layers.deleteByJobId(id);
        if (!Files.exists(checkpoint.resolve(LayerResultStore.HEADER_FILE))) {
            Folders.deleteTree(checkpoint);
            return;
        }
        LayerResultStore store;
        try {
            store = LayerResultStore.read(checkpoint);
        } catch (InvalidInputException e) {
            LOG.warn("the checkpoint is unusable, starting afresh: {}", e.getMessage());
            Folders.deleteTree(checkpoint);
            return;
        }
        Set<String> missing = new HashSet<>(store.missing());
        Map<String, JobLayer> earlier = new java.util.HashMap<>();
        for (JobLayer l : before) {
            earlier.put(l.name(), l);
        }
        int seq = 0;
        for (String layer : store.header().layers()) {
            if (!missing.contains(layer)) {
                seq++;
                JobLayer e = earlier.get(layer); // missing when the database lost its last writes in a crash
                layers.save(e != null ? new JobLayer(id + "/" + seq, id, seq, layer, e.relError(), e.finishedAt())
                        : new JobLayer(id + "/" + seq, id, seq, layer, store.get(layer).entry().relError(),
                                store.storedAt(layer).truncatedTo(ChronoUnit.MILLIS)));
            }
        }
        reused = seq;
        done = seq;
        total = store.header().layers().size();
        if (reused > 0) {
            jobs.progress(id, "resumed: " + reused + " of " + total + " layers from the checkpoint", done, total);
        }
    }

    @Override
    public boolean isCancelled() {
        return cancelled || stopping.getAsBoolean();
    }

    @Override
    public synchronized void progress(Step step) {
        long nowMs = System.currentTimeMillis();
        switch (step.kind()) {
            case LAYER_QUANTIZED -> {
                done = reused + (int) step.done(); // the engine counts only the layers it computes in this attempt
                total = reused + (int) step.total();
                String layer = step.subject();
                layers.save(new JobLayer(id + "/" + done, id, done, layer, lastRelError, now()));
                jobs.progress(id, step.text(), done, total);
                persistedAt = nowMs;
                events.publish(new JobProgress(id, JobState.RUNNING, step.text(), done, total, layer,
                        lastRelError, now()));
                lastRelError = null;
            }
            case CALIBRATION_PASS, VALIDATION_PASS, EVALUATION -> {
                String s = step.text() + " " + step.done() + "/" + step.total();
                if (nowMs - persistedAt >= PERSIST_EVERY_MS || step.done() == step.total()) {
                    jobs.progress(id, s, done, total);
                    persistedAt = nowMs;
                }
                events.publish(new JobProgress(id, JobState.RUNNING, s, done, total, null, null, now()));
            }
            default -> {
                // per-layer sweeps and blocks: the layer's end is what a job reports
            }
        }
    }

    @Override
    public synchronized void sweepFinished(int sweep, int sweeps, double relError) {
        lastRelError = relError;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
