package io.comq.kernel.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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

    /** Like {@link RangeTask}, for shares that wait for each other at their {@link Team}'s barrier. */
    @FunctionalInterface
    interface TeamTask {
        void run(Team team, int worker, int from, int to);
    }

    /**
     * The shares of one {@link #forTeam} call, all running at once, which can meet at a barrier. If a share fails, the
     * others' waits end with {@link Abandoned} instead of waiting for it forever.
     */
    static final class Team {
        /** How long a share spins at the barrier before it sleeps between checks. */
        private static final long SPIN_NANOS = 200_000;
        /** The sleep between checks after that. */
        private static final long POLL_NANOS = 50_000;

        private final int parts;
        private final AtomicInteger arrived = new AtomicInteger();
        private volatile int round;
        private volatile boolean abandoned;
        /** Posted values, two rounds of them so that a fast share's next post cannot overwrite one being summed. */
        private final long[][] posted;

        Team(int parts) {
            this.parts = parts;
            this.posted = new long[2][parts];
        }

        /** How many shares the team has. */
        int parts() {
            return parts;
        }

        /**
         * Waits until every share of the team got here; what each did before is visible to all after. The waits are
         * short and frequent (twice per block of a sweep), so a share spins at first: waking a parked thread costs
         * more than such a wait (barriers that parked cost about 7% of a 3072x768 greedy sweep). A long wait (the
         * pool busy with another call's shares) sleeps between checks instead of burning a core.
         */
        void await() {
            if (parts == 1) {
                return;
            }
            int r = round;
            if (arrived.incrementAndGet() == parts) {
                arrived.set(0);
                round = r + 1;
                return;
            }
            long start = System.nanoTime();
            while (round == r) {
                if (abandoned) {
                    throw new Abandoned();
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(POLL_NANOS);
                }
            }
        }

        /** Posts {@code value} for {@code worker}, waits for every share ({@link #await}) and returns their sum. */
        long sum(int worker, long value) {
            long[] mine = posted[round & 1];
            mine[worker] = value;
            await();
            long total = 0;
            for (long v : mine) {
                total += v;
            }
            return total;
        }

        private void abandon() {
            abandoned = true;
        }
    }

    /** A share's wait ended because another share of its team failed (whose error is the one reported). */
    static final class Abandoned extends IllegalStateException {
        Abandoned() {
            super("another kernel worker of the team failed");
        }
    }

    private final int threads;
    private final ExecutorService executor;
    /** Held by the running team ({@link #forTeam}). */
    private final Object teamTurn = new Object();

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
        List<int[]> shares = shares(n, align);
        runAll(shares.size(), k -> task.run(k, shares.get(k)[0], shares.get(k)[1]));
    }

    private List<int[]> shares(int n, int align) {
        int per = (n + threads - 1) / threads;
        per = Math.max(align, (per + align - 1) / align * align);
        List<int[]> shares = new ArrayList<>();
        for (int from = 0; from < n; from += per) {
            shares.add(new int[] {from, Math.min(n, from + per)});
        }
        return shares;
    }

    /**
     * {@link #forShares} whose shares run at once and can meet at their {@link Team}'s barrier, for work whose phases
     * split differently (by channels, then by columns). The pool has a thread for each share. Teams of concurrent
     * calls run one after the other: two teams each holding a pool thread at a barrier, while waiting for a share
     * queued behind the other's, would wait forever.
     */
    void forTeam(int n, int align, TeamTask task) {
        List<int[]> shares = shares(n, align);
        Team team = new Team(shares.size());
        synchronized (teamTurn) {
            runAll(shares.size(), k -> {
                try {
                    task.run(team, k, shares.get(k)[0], shares.get(k)[1]);
                } catch (RuntimeException | Error e) {
                    team.abandon();
                    throw e;
                }
            });
        }
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
                if (first == null || first instanceof Abandoned) {
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
