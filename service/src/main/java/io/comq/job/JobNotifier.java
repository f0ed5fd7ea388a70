package io.comq.job;

/**
 * Told when a job reaches a terminal state (after its artifacts are stored). Called on the worker thread: an
 * implementation that does network I/O (a webhook) hands the work to its own executor and returns.
 */
public interface JobNotifier {
    void jobFinished(JobSummary summary);
}
