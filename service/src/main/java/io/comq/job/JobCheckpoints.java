package io.comq.job;

import io.comq.format.Folders;
import io.comq.server.ServiceSettings;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs' checkpoint folders, {@code <data-dir>/work/checkpoints/<job id>}: where a job's finished layers wait until
 * it ends, so that a re-run after a stop resumes from them.
 */
@Singleton
class JobCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(JobCheckpoints.class);

    private final ServiceSettings settings;

    JobCheckpoints(ServiceSettings settings) {
        this.settings = settings;
    }

    /** The folder where a job's finished layers are kept until it ends, so that a re-run resumes from them. */
    Path dir(String jobId) {
        return settings.workDir().resolve("checkpoints").resolve(jobId);
    }

    /** Removes the checkpoint of a job that will not run again (cancelled while queued, deleted). */
    void discard(String jobId) {
        try {
            Folders.deleteTree(dir(jobId));
        } catch (IOException e) {
            LOG.warn("cannot remove the checkpoint of job {}: {}", jobId, e.toString());
        }
    }

    void removeAllBut(Set<String> queued) {
        Path dir = settings.workDir().resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (!queued.contains(p.getFileName().toString())) {
                    discard(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list the checkpoints in {}: {}", dir, e.toString());
        }
    }
}
