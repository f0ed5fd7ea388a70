package io.comq.kernel.cpu;

import io.comq.kernel.Layout;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.SweepState;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntToDoubleFunction;
import java.util.function.IntToLongFunction;

/**
 * The plain reference implementation of {@link QuantKernel} in float64 and float32, following COMQ.md literally, one
 * output channel at a time, channels spread over a fixed pool of {@code threads} workers (contiguous ranges of
 * channels per worker). Every other backend is tested against it.
 */
public final class ScalarKernel implements QuantKernel {

    /** The backend name. */
    public static final String NAME = "cpu-scalar";

    private final int threads;
    private final ExecutorService pool;

    /** A kernel with {@code threads} workers (1 runs everything on the calling thread). */
    public ScalarKernel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "comq-scalar");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String device() {
        return "CPU, " + threads + " thread" + (threads == 1 ? "" : "s") + ", scalar";
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public boolean supports(Precision precision) {
        return true;
    }

    @Override
    public void accumulateGram(Matrix X, double[] H, double[] colSum) {
        int rows = X.rows();
        int in = X.cols();
        Matrix.F64 x = X.toF64();
        double[] xs = x.data();
        sum(in, i -> {
            int hr = i * in;
            for (int r = 0; r < rows; r++) {
                double xi = xs[r * in + i];
                if (xi != 0) {
                    int xr = r * in;
                    for (int k = 0; k < in; k++) {
                        H[hr + k] += xi * xs[xr + k];
                    }
                }
            }
            return 0;
        });
        if (colSum != null) {
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < in; k++) {
                    colSum[k] += xs[r * in + k];
                }
            }
        }
    }

    @Override
    public int[] greedyOrder(SweepState s) {
        Layout l = s.layout();
        int in = l.in();
        int[] order = new int[in * l.out()];
        sum(l.out(), j -> {
            double[] key = new double[in];
            for (int i = 0; i < in; i++) {
                key[i] = greedyKey(s, j, i);
            }
            int[] idx = StableOrder.descending(key);
            System.arraycopy(idx, 0, order, j * in, in);
            return 0;
        });
        return order;
    }

    private static double greedyKey(SweepState s, int j, int i) {
        Layout l = s.layout();
        if (s instanceof SweepState.F64 d) {
            return Math.sqrt(d.H()[l.h(i, i)]) * Math.abs(d.W()[l.at(j, i)]);
        }
        SweepState.F32 f = (SweepState.F32) s;
        return Math.sqrt(f.H()[l.h(i, i)]) * Math.abs(f.W()[l.at(j, i)]);
    }

    @Override
    public void computeGradient(SweepState s) {
        if (s instanceof SweepState.F64 d) {
            sum(s.layout().out(), j -> {
                F64Ops.gradient(d, j);
                return 0;
            });
        } else {
            SweepState.F32 f = (SweepState.F32) s;
            sum(s.layout().out(), j -> {
                F32Ops.gradient(f, j);
                return 0;
            });
        }
    }

    @Override
    public long sweep(SweepState s, int[] order) {
        if (s instanceof SweepState.F64 d) {
            return sum(s.layout().out(), j -> F64Ops.sweep(d, order, j));
        }
        SweepState.F32 f = (SweepState.F32) s;
        return sum(s.layout().out(), j -> F32Ops.sweep(f, order, j));
    }

    @Override
    public void updateScales(SweepState s) {
        if (s instanceof SweepState.F64 d) {
            sum(s.layout().out(), j -> {
                F64Ops.updateScales(d, j);
                return 0;
            });
        } else {
            SweepState.F32 f = (SweepState.F32) s;
            sum(s.layout().out(), j -> {
                F32Ops.updateScales(f, j);
                return 0;
            });
        }
    }

    @Override
    public double[] residualErrors(SweepState s) {
        double[] e = new double[s.layout().out()];
        IntToDoubleFunction err = s instanceof SweepState.F64 d ? j -> F64Ops.residual(d, j)
                : j -> F32Ops.residual((SweepState.F32) s, j);
        sum(e.length, j -> {
            e[j] = err.applyAsDouble(j);
            return 0;
        });
        return e;
    }

    /** Runs {@code body} for {@code 0 .. n-1} over the pool in contiguous ranges and sums what it returns. */
    private long sum(int n, IntToLongFunction body) {
        if (pool == null || n < 2) {
            long total = 0;
            for (int j = 0; j < n; j++) {
                total += body.applyAsLong(j);
            }
            return total;
        }
        int parts = Math.min(threads, n);
        List<Future<Long>> futures = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) n * p / parts);
            int to = (int) ((long) n * (p + 1) / parts);
            futures.add(pool.submit(() -> {
                long total = 0;
                for (int j = from; j < to; j++) {
                    total += body.applyAsLong(j);
                }
                return total;
            }));
        }
        long total = 0;
        try {
            for (Future<Long> f : futures) {
                total += f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a kernel was running", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(c);
        }
        return total;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** Stable descending sort of indices by key (ties keep the lower index first). */
    static final class StableOrder {
        private StableOrder() {
        }

        static int[] descending(double[] key) {
            int n = key.length;
            int[] a = new int[n];
            for (int i = 0; i < n; i++) {
                a[i] = i;
            }
            int[] b = new int[n];
            for (int width = 1; width < n; width *= 2) {
                for (int lo = 0; lo < n; lo += 2 * width) {
                    int mid = Math.min(lo + width, n);
                    int hi = Math.min(lo + 2 * width, n);
                    int p = lo;
                    int q = mid;
                    int k = lo;
                    while (p < mid && q < hi) {
                        b[k++] = key[a[q]] > key[a[p]] ? a[q++] : a[p++];
                    }
                    while (p < mid) {
                        b[k++] = a[p++];
                    }
                    while (q < hi) {
                        b[k++] = a[q++];
                    }
                }
                int[] t = a;
                a = b;
                b = t;
            }
            return a;
        }
    }

    /** The float64 operations on one channel {@code j}. */
    static final class F64Ops {
        private F64Ops() {
        }

        static void gradient(SweepState.F64 s, int j) {
            Layout l = s.layout();
            int in = l.in();
            double[] H = s.H();
            double[] G = s.G();
            int base = l.at(j, 0);
            java.util.Arrays.fill(G, base, base + in, 0.0);
            for (int i = 0; i < in; i++) {
                double d = s.W()[base + i] - s.Q()[base + i];
                if (d != 0) {
                    int hr = l.h(i, 0);
                    for (int r = 0; r < in; r++) {
                        G[base + r] += H[hr + r] * d;
                    }
                }
            }
        }

        static long sweep(SweepState.F64 s, int[] order, int j) {
            Layout l = s.layout();
            int in = l.in();
            double[] H = s.H();
            double[] Q = s.Q();
            double[] G = s.G();
            TieRule tie = s.tie();
            int base = l.at(j, 0);
            long changed = 0;
            for (int k = 0; k < in; k++) {
                int i = order == null ? k : order[base + k];
                int idx = base + i;
                double hii = H[l.h(i, i)];
                double t = hii == 0 ? s.W()[idx] : Q[idx] + G[idx] / hii;
                int gi = l.grid(j, i);
                double scale = s.scale()[gi];
                int z = clip(tie.round(t / scale), s.lo()[gi], s.hi()[gi]);
                double q = scale * z;
                s.Z()[idx] = z;
                double d = Q[idx] - q;
                if (d != 0) {
                    int hr = l.h(i, 0);
                    for (int r = 0; r < in; r++) {
                        G[base + r] += H[hr + r] * d;
                    }
                    Q[idx] = q;
                    changed++;
                }
            }
            return changed;
        }

        static void updateScales(SweepState.F64 s, int j) {
            Layout l = s.layout();
            int in = l.in();
            int g = l.rowsPerGroup();
            double[] H = s.H();
            double[] Q = s.Q();
            double[] G = s.G();
            int[] Z = s.Z();
            int base = l.at(j, 0);
            for (int r0 = 0; r0 < in; r0 += g) {
                double num = 0;
                double den = 0;
                for (int a = r0; a < r0 + g; a++) {
                    int za = Z[base + a];
                    if (za == 0) {
                        continue;
                    }
                    num += za * G[base + a];
                    double hz = 0;
                    for (int b = r0; b < r0 + g; b++) {
                        hz += H[l.h(a, b)] * Z[base + b];
                    }
                    den += za * hz;
                }
                if (den == 0) {
                    continue;
                }
                int gi = l.grid(j, r0);
                double scale = s.scale()[gi] + num / den;
                s.scale()[gi] = scale;
                for (int i = r0; i < r0 + g; i++) {
                    double q = scale * Z[base + i];
                    double d = Q[base + i] - q;
                    if (d != 0) {
                        int hr = l.h(i, 0);
                        for (int r = 0; r < in; r++) {
                            G[base + r] += H[hr + r] * d;
                        }
                        Q[base + i] = q;
                    }
                }
            }
        }

        static double residual(SweepState.F64 s, int j) {
            Layout l = s.layout();
            int base = l.at(j, 0);
            double e = 0;
            for (int i = 0; i < l.in(); i++) {
                e += (s.W()[base + i] - s.Q()[base + i]) * s.G()[base + i];
            }
            return e;
        }
    }

    /** The float32 operations on one channel {@code j}: the same steps in float arithmetic. */
    static final class F32Ops {
        private F32Ops() {
        }

        static void gradient(SweepState.F32 s, int j) {
            Layout l = s.layout();
            int in = l.in();
            float[] H = s.H();
            float[] G = s.G();
            int base = l.at(j, 0);
            java.util.Arrays.fill(G, base, base + in, 0f);
            for (int i = 0; i < in; i++) {
                float d = s.W()[base + i] - s.Q()[base + i];
                if (d != 0) {
                    int hr = l.h(i, 0);
                    for (int r = 0; r < in; r++) {
                        G[base + r] += H[hr + r] * d;
                    }
                }
            }
        }

        static long sweep(SweepState.F32 s, int[] order, int j) {
            Layout l = s.layout();
            int in = l.in();
            float[] H = s.H();
            float[] Q = s.Q();
            float[] G = s.G();
            TieRule tie = s.tie();
            int base = l.at(j, 0);
            long changed = 0;
            for (int k = 0; k < in; k++) {
                int i = order == null ? k : order[base + k];
                int idx = base + i;
                float hii = H[l.h(i, i)];
                float t = hii == 0 ? s.W()[idx] : Q[idx] + G[idx] / hii;
                int gi = l.grid(j, i);
                float scale = s.scale()[gi];
                int z = clip(tie.round(t / scale), s.lo()[gi], s.hi()[gi]);
                float q = scale * z;
                s.Z()[idx] = z;
                float d = Q[idx] - q;
                if (d != 0) {
                    int hr = l.h(i, 0);
                    for (int r = 0; r < in; r++) {
                        G[base + r] += H[hr + r] * d;
                    }
                    Q[idx] = q;
                    changed++;
                }
            }
            return changed;
        }

        static void updateScales(SweepState.F32 s, int j) {
            Layout l = s.layout();
            int in = l.in();
            int g = l.rowsPerGroup();
            float[] H = s.H();
            float[] Q = s.Q();
            float[] G = s.G();
            int[] Z = s.Z();
            int base = l.at(j, 0);
            for (int r0 = 0; r0 < in; r0 += g) {
                double num = 0;
                double den = 0;
                for (int a = r0; a < r0 + g; a++) {
                    int za = Z[base + a];
                    if (za == 0) {
                        continue;
                    }
                    num += za * (double) G[base + a];
                    double hz = 0;
                    for (int b = r0; b < r0 + g; b++) {
                        hz += H[l.h(a, b)] * (double) Z[base + b];
                    }
                    den += za * hz;
                }
                if (den == 0) {
                    continue;
                }
                int gi = l.grid(j, r0);
                float scale = (float) (s.scale()[gi] + num / den);
                s.scale()[gi] = scale;
                for (int i = r0; i < r0 + g; i++) {
                    float q = scale * Z[base + i];
                    float d = Q[base + i] - q;
                    if (d != 0) {
                        int hr = l.h(i, 0);
                        for (int r = 0; r < in; r++) {
                            G[base + r] += H[hr + r] * d;
                        }
                        Q[base + i] = q;
                    }
                }
            }
        }

        static double residual(SweepState.F32 s, int j) {
            Layout l = s.layout();
            int base = l.at(j, 0);
            double e = 0;
            for (int i = 0; i < l.in(); i++) {
                e += ((double) s.W()[base + i] - s.Q()[base + i]) * s.G()[base + i];
            }
            return e;
        }
    }

    static int clip(double rounded, int lo, int hi) {
        return rounded < lo ? lo : rounded > hi ? hi : (int) rounded;
    }
}
