package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.quant.Grid;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.tensor.Matrix;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Differential tests of the SIMD kernel against the one-coordinate-at-a-time float32 reference. */
class SimdKernelTest {

    private static final int SWEEPS = 3;

    static Stream<Arguments> layers() {
        return Stream.of(
                // seed, in, out, rowsPerGroup, grid, bits, tie, block, threads, greedy, dead inputs
                Arguments.of(1L, 37, 11, 37, Grid.SYM_MAXABS, 4, TieRule.HALF_EVEN, 8, 2, true, new int[0]),
                Arguments.of(2L, 37, 11, 37, Grid.SYM_MAXABS, 4, TieRule.HALF_EVEN, 8, 2, false, new int[0]),
                Arguments.of(3L, 64, 40, 16, Grid.ASYM_MINMAX, 3, TieRule.HALF_AWAY, 64, 3, false, new int[0]),
                Arguments.of(4L, 64, 40, 16, Grid.ASYM_MINMAX, 3, TieRule.HALF_AWAY, 64, 3, true, new int[0]),
                Arguments.of(5L, 130, 9, 130, Grid.SYM_RESTRICTED, 2, TieRule.HALF_UP, 32, 2, true, new int[0]),
                Arguments.of(6L, 96, 23, 32, Grid.SYM_MAXABS, 4, TieRule.HALF_DOWN, 200, 1, false, new int[0]),
                Arguments.of(7L, 48, 13, 48, Grid.SYM_MAXABS, 3, TieRule.HALF_EVEN, 16, 2, true, new int[] {5, 20}),
                Arguments.of(8L, 48, 13, 48, Grid.SYM_MAXABS, 3, TieRule.HALF_EVEN, 16, 2, false, new int[] {5, 20}),
                Arguments.of(9L, 256, 64, 256, Grid.SYM_MAXABS, 4, TieRule.HALF_EVEN, 64, 2, true, new int[0]),
                Arguments.of(10L, 256, 66, 64, Grid.ASYM_MINMAX, 4, TieRule.HALF_EVEN, 48, 2, false, new int[0]),
                Arguments.of(11L, 80, 20, 80, Grid.SYM_RESTRICTED, 8, TieRule.HALF_EVEN, 1, 2, true, new int[0]),
                Arguments.of(12L, 48, 40, 48, Grid.SYM_MAXABS, 3, TieRule.HALF_EVEN, 16, 2, false, new int[] {5, 20}),
                Arguments.of(13L, 64, 36, 16, Grid.ASYM_MINMAX, 3, TieRule.HALF_UP, 32, 1, false, new int[] {0, 33}));
    }

    @ParameterizedTest(name = "[{index}] seed {0}: in {1} out {2} group {3} {4} {5}b {6} block {7} threads {8} greedy {9}")
    @MethodSource("layers")
    void sweepsMatchTheReference(long seed, int in, int out, int rowsPerGroup, Grid grid, int bits, TieRule tie,
                                 int block, int threads, boolean greedy, int[] dead) {
        RandomLayer layer = RandomLayer.create(seed, in, out, rowsPerGroup, grid, bits, dead);
        SweepState.F32 fast = layer.state(tie);
        SweepState.F32 ref = layer.state(tie);
        try (SimdKernel kernel = new SimdKernel(threads, block)) {
            int[] order = greedy ? kernel.greedyOrder(fast) : null;
            if (greedy) {
                assertArrayEquals(SweepReference.greedyOrder(ref), order, "greedy order");
            }
            for (int k = 1; k <= SWEEPS; k++) {
                long changedFast = kernel.sweep(fast, order);
                long changedRef = SweepReference.sweep(ref, order);
                int same = countSame(fast.Z(), ref.Z());
                assertTrue(same >= 0.999 * fast.Z().length,
                        "sweep " + k + ": " + (fast.Z().length - same) + " of " + fast.Z().length + " codes differ");
                assertEquals(changedRef, changedFast, Math.max(2, 0.001 * changedRef), "changed count, sweep " + k);
                double relFast = layer.relError(fast.Q());
                double relRef = layer.relError(ref.Q());
                assertEquals(relRef, relFast, 0.005 * relRef, "relative error after sweep " + k);
                assertQMatchesCodes(fast);
                assertGradientCurrent(layer, fast);
            }
            for (int d : dead) {
                for (int j = 0; j < out; j++) {
                    int at = layer.layout().at(j, d);
                    int g = layer.layout().grid(j, d);
                    int rtn = (int) Math.max(fast.lo()[g],
                            Math.min(fast.hi()[g], tie.round(layer.W()[at] / fast.scale()[g])));
                    assertEquals(rtn, fast.Z()[at], "a dead input rounds its own weight");
                }
            }
        }
    }

    @Test
    void laterSweepsSkipUnchangedCoordinatesAndAFixedPointStaysPut() {
        RandomLayer layer = RandomLayer.create(21, 72, 12, 72, Grid.SYM_MAXABS, 4, new int[0]);
        SweepState.F32 s = layer.state(TieRule.HALF_EVEN);
        try (SimdKernel kernel = new SimdKernel(2, 16)) {
            long first = kernel.sweep(s, null);
            assertTrue(first > 0.9 * 72 * 12, "init fp: nearly every coordinate moves onto the grid, got " + first);
            long changed = first;
            for (int k = 0; k < 20 && changed > 0; k++) {
                changed = kernel.sweep(s, null);
            }
            assertEquals(0, changed, "COMQ reaches a fixed point on a small layer");
            int[] codes = s.Z().clone();
            float[] g = s.G().clone();
            assertEquals(0, kernel.sweep(s, null));
            assertArrayEquals(codes, s.Z());
            assertArrayEquals(g, s.G(), "a sweep without changes leaves G untouched");
        }
    }

    @Test
    void blockSizeDoesNotChangeTheResult() {
        RandomLayer layer = RandomLayer.create(31, 100, 17, 100, Grid.SYM_MAXABS, 4, new int[0]);
        SweepState.F32 a = layer.state(TieRule.HALF_EVEN);
        SweepState.F32 b = layer.state(TieRule.HALF_EVEN);
        try (SimdKernel one = new SimdKernel(1, 1); SimdKernel big = new SimdKernel(2, 128)) {
            int[] order = one.greedyOrder(a);
            for (int k = 0; k < 2; k++) {
                one.sweep(a, order);
                big.sweep(b, order);
            }
        }
        assertTrue(countSame(a.Z(), b.Z()) >= 0.999 * a.Z().length);
        assertEquals(layer.relError(a.Q()), layer.relError(b.Q()), 1e-3 * layer.relError(a.Q()));
    }

    @Test
    void greedyOrderBreaksTiesByLowerInput() {
        Layout l = new Layout(6, 2, 6);
        float[] h = new float[36];
        for (int i = 0; i < 6; i++) {
            h[i * 6 + i] = i < 3 ? 4f : 1f;
        }
        // channel 0: |w| * sqrt(H_ii) = 2, 2, 1, 2, 1, 2 -> 0, 1, 3, 5, 2, 4
        // channel 1: all zero -> 0 .. 5
        float[] w = {1f, -1f, 0.5f, 2f, 1f, -2f, 0, 0, 0, 0, 0, 0};
        SweepState.F32 s = new SweepState.F32(l, TieRule.HALF_EVEN, h, w, w.clone(), new int[12], new float[12],
                new float[] {1, 1}, new int[] {-8, -8}, new int[] {7, 7});
        try (SimdKernel kernel = new SimdKernel(2, 64)) {
            assertArrayEquals(new int[] {0, 1, 3, 5, 2, 4, 0, 1, 2, 3, 4, 5}, kernel.greedyOrder(s));
        }
    }

    @Test
    void gradientIsHTimesWMinusQ() {
        for (int[] shape : new int[][] {{37, 11}, {256, 9}, {300, 70}, {33, 4}}) {
            RandomLayer layer = RandomLayer.create(41 + shape[0], shape[0], shape[1], shape[0], Grid.SYM_MAXABS, 4);
            SweepState.F32 s = layer.state(TieRule.HALF_EVEN);
            Random rnd = new Random(shape[1]);
            for (int t = 0; t < s.Q().length; t++) {
                s.Q()[t] = s.W()[t] + (float) (rnd.nextGaussian() * 0.01);
            }
            java.util.Arrays.fill(s.G(), Float.NaN);
            try (SimdKernel kernel = new SimdKernel(2, 64)) {
                kernel.computeGradient(s);
            }
            double[] exact = layer.gradient(s.H(), s.Q());
            assertClose(exact, s.G(), 1e-5, "G = H (W - Q) for shape " + shape[0] + "x" + shape[1]);
        }
    }

    @Test
    void scaleUpdateMatchesTheReference() {
        for (int rowsPerGroup : new int[] {60, 20}) {
            RandomLayer layer = RandomLayer.create(51, 60, 10, rowsPerGroup, Grid.SYM_MAXABS, 3);
            SweepState.F32 fast = layer.state(TieRule.HALF_EVEN);
            SweepState.F32 ref = layer.state(TieRule.HALF_EVEN);
            try (SimdKernel kernel = new SimdKernel(2, 16)) {
                kernel.sweep(fast, null);
                SweepReference.sweep(ref, null);
                assertArrayEquals(ref.Z(), fast.Z());
                double before = layer.relError(fast.Q());
                kernel.updateScales(fast);
                SweepReference.updateScales(ref);
                for (int g = 0; g < ref.scale().length; g++) {
                    assertEquals(ref.scale()[g], fast.scale()[g], 1e-4 * Math.abs(ref.scale()[g]), "scale " + g);
                }
                for (int t = 0; t < ref.Q().length; t++) {
                    assertEquals(fast.scale()[fast.layout().grid(t / 60, t % 60)] * fast.Z()[t], fast.Q()[t], 1e-7);
                }
                assertTrue(layer.relError(fast.Q()) <= before * (1 + 1e-5), "a least-squares scale never hurts");
                assertGradientCurrent(layer, fast);
            }
        }
    }

    @Test
    void residualErrorsAreTheQuadraticForm() {
        RandomLayer layer = RandomLayer.create(61, 50, 7, 50, Grid.ASYM_MINMAX, 4);
        SweepState.F32 s = layer.state(TieRule.HALF_EVEN);
        try (SimdKernel kernel = new SimdKernel(2, 32)) {
            kernel.sweep(s, null);
            double[] err = kernel.residualErrors(s);
            double total = 0;
            for (double e : err) {
                assertTrue(e > 0);
                total += e;
            }
            double base = layer.relError(s.Q()) / total;
            // relError = total / tr(W^T H W): the ratio is the same constant whatever Q is
            SweepState.F32 rtn = layer.state(TieRule.HALF_EVEN);
            kernel.sweep(rtn, null);
            assertEquals(base, layer.relError(rtn.Q()) / sum(kernel.residualErrors(rtn)), 1e-3 * base);
        }
    }

    @Test
    void gramMatchesXTransposeX() {
        Random rnd = new Random(71);
        int in = 45;
        double[] exact = new double[in * in];
        double[] H = new double[in * in];
        double[] colSum = new double[in];
        double[] exactSum = new double[in];
        try (SimdKernel kernel = new SimdKernel(2, 64)) {
            for (int batch = 0; batch < 3; batch++) {
                int rows = 30 + 50 * batch;
                float[] xf = new float[rows * in];
                double[] xd = new double[rows * in];
                for (int t = 0; t < xf.length; t++) {
                    xf[t] = (float) (rnd.nextGaussian() * (t % in == 7 ? 50 : 1));
                    xd[t] = rnd.nextGaussian();
                }
                kernel.accumulateGram(new Matrix.F32(rows, in, xf), H, colSum);
                kernel.accumulateGram(new Matrix.F64(rows, in, xd), H, null);
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < in; i++) {
                        exactSum[i] += xf[r * in + i];
                        for (int k = 0; k < in; k++) {
                            exact[i * in + k] += (double) xf[r * in + i] * xf[r * in + k] + xd[r * in + i] * xd[r * in + k];
                        }
                    }
                }
            }
        }
        double max = 0;
        for (double v : exact) {
            max = Math.max(max, Math.abs(v));
        }
        for (int t = 0; t < H.length; t++) {
            assertEquals(exact[t], H[t], 1e-9 * max, "H entry " + t);
        }
        for (int i = 0; i < in; i++) {
            for (int k = 0; k < in; k++) {
                assertEquals(H[i * in + k], H[k * in + i], 0.0, "H is exactly symmetric");
            }
        }
        assertArrayEquals(exactSum, colSum, 1e-9);
    }

    @Test
    void float64IsLeftToTheScalarKernel() {
        try (SimdKernel kernel = new SimdKernel(1, 64)) {
            assertTrue(kernel.supports(Precision.FLOAT32));
            assertFalse(kernel.supports(Precision.FLOAT64));
            Layout l = new Layout(2, 1, 2);
            SweepState.F64 s = new SweepState.F64(l, TieRule.HALF_EVEN, new double[4], new double[2], new double[2],
                    new int[2], new double[2], new double[1], new int[1], new int[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernel.sweep(s, null));
            assertTrue(e.getMessage().contains("cpu-scalar"), e.getMessage());
        }
    }

    static int countSame(int[] a, int[] b) {
        int same = 0;
        for (int t = 0; t < a.length; t++) {
            same += a[t] == b[t] ? 1 : 0;
        }
        return same;
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    static void assertQMatchesCodes(SweepState.F32 s) {
        Layout l = s.layout();
        for (int j = 0; j < l.out(); j++) {
            for (int i = 0; i < l.in(); i++) {
                int g = l.grid(j, i);
                assertEquals(s.scale()[g] * s.Z()[l.at(j, i)], s.Q()[l.at(j, i)], 0f, "Q = scale * Z");
                assertTrue(s.Z()[l.at(j, i)] >= s.lo()[g] && s.Z()[l.at(j, i)] <= s.hi()[g], "code within the grid");
            }
        }
    }

    /** G after a sweep equals H (W - Q) recomputed, relative to the size of the terms that make it up. */
    static void assertGradientCurrent(RandomLayer layer, SweepState.F32 s) {
        assertClose(layer.gradient(s.H(), s.Q()), s.G(), 2e-4, "G is current");
    }

    private static void assertClose(double[] exact, float[] actual, double rel, String what) {
        double max = 0;
        for (double v : exact) {
            max = Math.max(max, Math.abs(v));
        }
        for (int t = 0; t < exact.length; t++) {
            if (Math.abs(exact[t] - actual[t]) > rel * max) {
                throw new AssertionError(what + ": entry " + t + " is " + actual[t] + ", expected " + exact[t]
                        + " (tolerance " + rel * max + ")");
            }
        }
    }
}
