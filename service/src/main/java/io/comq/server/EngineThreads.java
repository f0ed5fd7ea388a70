package io.comq.server;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for engine work that HTTP requests wait on (reading an uploaded model, checking a job before it is queued).
 * The engine parses deeply nested protobufs and calls ONNX Runtime, which need more stack than the framework's
 * request threads have ({@link #STACK_BYTES}); a bounded pool also caps how many such reads run at once.
 */
@Singleton
public class EngineThreads {

    /** Stack size of engine threads (CLI commands run on 64 MiB stacks, see {@code io.comq.cli.Main}). */
    public static final long STACK_BYTES = 16L << 20;

    private final ExecutorService pool;

    public EngineThreads() {
        int n = Math.max(2, Runtime.getRuntime().availableProcessors());
        pool = Executors.newFixedThreadPool(n, factory("comq-engine-"));
    }

    /** A factory of engine threads (large stack, non-daemon) named {@code prefix} + a number. */
    public static java.util.concurrent.ThreadFactory factory(String prefix) {
        AtomicInteger seq = new AtomicInteger();
        return r -> new Thread(null, r, prefix + seq.incrementAndGet(), STACK_BYTES);
    }

    /** Runs {@code task} on an engine thread and waits for it; its exceptions reach the caller unwrapped. */
    public <T> T call(Callable<T> task) throws java.io.IOException {
        Future<T> f = pool.submit(task);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the engine read the upload");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            if (c instanceof java.io.IOException io) {
                throw io;
            }
            throw new IllegalStateException(c);
        }
    }

    @PreDestroy
    void close() {
        pool.shutdownNow();
    }
}
