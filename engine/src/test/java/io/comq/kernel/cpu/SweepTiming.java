package io.comq.kernel.cpu;

import io.comq.bench.SyntheticLayer;
import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.numeric.TieRule;

/**
 * Scratch timing harness for the SIMD sweep (not a test): {@code java -cp ... io.comq.kernel.cpu.SweepTiming
 * 4096x4096 greedy|cyclic [block] [reps]} ({@code -Dtiming.blocked=true}: blocks throughout). Prints the
 * wall and process CPU seconds of each of three sweeps from init fp and the nominal GMAC/s.
 */
public final class SweepTiming {

    private SweepTiming() {
    }

    /** Process CPU time: under other load, a steadier measure of the work than wall time. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) {
        String[] shape = args[0].split("x");
        int in = Integer.parseInt(shape[0]);
        int out = Integer.parseInt(shape[1]);
        boolean greedy = args[1].equals("greedy");
        int block = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        SyntheticLayer layer = SyntheticLayer.generate(in, out, 1);
        Layout l = new Layout(in, out, in);
        float[] w = layer.channelMajorW();
        float[] scale = new float[out];
        int[] lo = new int[out];
        int[] hi = new int[out];
        for (int j = 0; j < out; j++) {
            float m = 0;
            for (int i = 0; i < in; i++) {
                m = Math.max(m, Math.abs(w[j * in + i]));
            }
            scale[j] = m / 8;
            lo[j] = -8;
            hi[j] = 7;
        }
        SimdTiling tiling = Boolean.getBoolean("timing.blocked")
                ? SimdTiling.BLOCKED : SimdTiling.DEFAULT;
        try (SimdKernel k = new SimdKernel(2, block, tiling)) {
            for (int rep = 0; rep < reps; rep++) {
                SweepState.F32 s = new SweepState.F32(l, TieRule.HALF_EVEN, layer.H(), w, w.clone(), new int[w.length],
                        new float[w.length], scale, lo, hi);
                long t0 = System.nanoTime();
                int[] order = greedy ? k.greedyOrder(s) : null;
                double tOrder = (System.nanoTime() - t0) * 1e-9;
                StringBuilder sb = new StringBuilder();
                double total = 0;
                for (int sw = 0; sw < 3; sw++) {
                    long cpu = cpuNanos();
                    long a = System.nanoTime();
                    long ch = k.sweep(s, order);
                    double t = (System.nanoTime() - a) * 1e-9;
                    total += t;
                    sb.append(String.format(" %.3f(%d, cpu %.2f)", t, ch, (cpuNanos() - cpu) * 1e-9));
                }
                double err = 0;
                double[] e = k.residualErrors(s);
                for (double x : e) {
                    err += x;
                }
                System.out.printf("%s %s B=%d order %.3f sweeps%s mean %.3f s  %.1f GMAC/s  err %.6e%n", args[0],
                        args[1], block, tOrder, sb, total / 3, l.sweepMacs() / (total / 3) / 1e9, err);
            }
        }
    }
}
