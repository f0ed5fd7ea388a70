/**
 * Quantization jobs: the stored record and its state machine ({@code queued -> running -> succeeded | failed |
 * cancelled}), the validated settings, the worker pool that runs the engine off the HTTP threads, live progress
 * ({@link io.comq.job.JobEvents}) and the end-of-job hook ({@link io.comq.job.JobNotifier}).
 */
package io.comq.job;
