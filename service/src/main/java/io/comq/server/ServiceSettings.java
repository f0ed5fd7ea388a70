package io.comq.server;

import io.micronaut.context.annotation.ConfigurationProperties;
import java.nio.file.Path;

/**
 * The service's own settings under {@code comq.*} (environment: {@code COMQ_DATA_DIR}, {@code COMQ_UPLOAD_MAX_BYTES},
 * {@code COMQ_JOBS_WORKERS}).
 */
@ConfigurationProperties("comq")
public class ServiceSettings {

    private Path dataDir = Path.of("comq-data");
    private Upload upload = new Upload();
    private Jobs jobs = new Jobs();

    /** The folder of the embedded database, the local blob store and job scratch space ({@code comq.data-dir}). */
    public Path getDataDir() {
        return dataDir;
    }

    public void setDataDir(Path dataDir) {
        this.dataDir = dataDir;
    }

    public Upload getUpload() {
        return upload;
    }

    public void setUpload(Upload upload) {
        this.upload = upload;
    }

    public Jobs getJobs() {
        return jobs;
    }

    public void setJobs(Jobs jobs) {
        this.jobs = jobs;
    }

    /** Folder for a job's scratch files (inputs copied from a remote store, the staged output). */
    public Path workDir() {
        return dataDir.resolve("work");
    }

    /** Limits on uploads. */
    @ConfigurationProperties("upload")
    public static class Upload {
        private long maxBytes = 2L << 30;

        /** The largest accepted model or calibration set in bytes ({@code comq.upload.max-bytes}, default 2 GiB). */
        public long getMaxBytes() {
            return maxBytes;
        }

        public void setMaxBytes(long maxBytes) {
            this.maxBytes = maxBytes;
        }
    }

    /** The job worker pool. */
    @ConfigurationProperties("jobs")
    public static class Jobs {
        private int workers = 1;

        /** Jobs running at once ({@code comq.jobs.workers}, default 1); each uses the kernel's own threads. */
        public int getWorkers() {
            return workers;
        }

        public void setWorkers(int workers) {
            this.workers = workers;
        }
    }
}
