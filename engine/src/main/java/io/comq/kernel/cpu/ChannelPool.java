package io.comq.kernel.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of worker threads that splits a range of output channels (or any index range) into one contiguous share
 * per thread. The calling thread runs the first share itself. Daemon threads, so a forgotten {@link #close()} never
 * keeps the JVM alive.
 */
final class ChannelPool implements AutoCloseable {

    /** Work on the index range {@code [from, to)} by worker {@code worker} (0-based, for per-thread scratch). */
    @FunctionalInterface
    interface RangeTask {
        void run(int worker, int from, int to);
    }

    private final int threads;
    private final ExecutorService executor;

    ChannelPool(int threads, String name) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.threads = threads;
        AtomicInteger seq = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, name + "-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.executor = threads > 1 ? Executors.newFixedThreadPool(threads - 1, factory) : null;
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into at most {@link #threads()} contiguous shares whose boundaries are
     * multiples of {@code align} (except the end), and waits for all of them. Exceptions in a worker are rethrown.
     */
    void forShares(int n, int align, RangeTask task) {
        int per = (n + threads - 1) / threads;
        per = Math.max(align, (per + align - 1) / align * align);
        List<int[]> shares = new ArrayList<>();
        for (int from = 0; from < n; from += per) {
            shares.add(new int[] {from, Math.min(n, from + per)});
        }
        runAll(shares.size(), k -> task.run(k, shares.get(k)[0], shares.get(k)[1]));
    }

    /** Runs {@code count} tasks {@code 0 .. count-1}; each worker takes the next index until none remain. */
    void forEachIndex(int count, java.util.function.IntConsumer task) {
        AtomicInteger next = new AtomicInteger();
        runAll(Math.min(threads, count), w -> {
            for (int k = next.getAndIncrement(); k < count; k = next.getAndIncrement()) {
                task.accept(k);
            }
        });
    }

    private void runAll(int parts, java.util.function.IntConsumer part) {
        if (parts == 0) {
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        for (int k = 1; k < parts; k++) {
            int w = k;
            futures.add(executor.submit(() -> part.accept(w)));
        }
        RuntimeException first = null;
        try {
            part.accept(0);
        } catch (RuntimeException e) {
            first = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (first == null) {
                    first = c instanceof RuntimeException re ? re : new IllegalStateException("kernel worker failed", c);
                }
                if (c instanceof Error err) {
                    throw err;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for kernel workers", e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
