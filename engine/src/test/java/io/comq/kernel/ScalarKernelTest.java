package io.comq.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.RandomLayers;
import io.comq.numeric.TieRule;
import io.comq.tensor.Matrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scalar reference kernel against the formulas of COMQ.md, and its threading. */
class ScalarKernelTest {

    /** A float64 state on random data: per-channel or grouped grid, Q = W, G = 0 (init fp). */
    private static SweepState.F64 state(long seed, int in, int out, int rowsPerGroup) {
        Random rnd = new Random(seed);
        Matrix.F64 H = RandomLayers.gram(RandomLayers.inputs(rnd, 3 * in, in));
        Matrix.F64 W = RandomLayers.weights(rnd, in, out);
        Layout l = new Layout(in, out, rowsPerGroup);
        double[] w = new double[in * out];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                w[l.at(j, i)] = W.get(i, j);
            }
        }
        int cells = l.groups() * out;
        double[] scale = new double[cells];
        int[] lo = new int[cells];
        int[] hi = new int[cells];
        for (int c = 0; c < cells; c++) {
            scale[c] = 0.03 + 0.01 * rnd.nextDouble();
            lo[c] = -4;
            hi[c] = 3;
        }
        return new SweepState.F64(l, TieRule.HALF_EVEN, H.data(), w, w.clone(), new int[in * out], new double[in * out],
                scale, lo, hi);
    }

    private static SweepState.F64 copy(SweepState.F64 s) {
        return new SweepState.F64(s.layout(), s.tie(), s.H(), s.W(), s.Q().clone(), s.Z().clone(), s.G().clone(),
                s.scale().clone(), s.lo().clone(), s.hi().clone());
    }

    /** {@code (w - q)^T H (w - q)} per channel, from scratch. */
    private static double[] directErrors(SweepState.F64 s) {
        Layout l = s.layout();
        double[] e = new double[l.out()];
        for (int j = 0; j < l.out(); j++) {
            for (int a = 0; a < l.in(); a++) {
                for (int b = 0; b < l.in(); b++) {
                    e[j] += (s.W()[l.at(j, a)] - s.Q()[l.at(j, a)]) * s.H()[l.h(a, b)]
                            * (s.W()[l.at(j, b)] - s.Q()[l.at(j, b)]);
                }
            }
        }
        return e;
    }

    @Test
    void threadsDoNotChangeResults() {
        SweepState.F64 a = state(1, 40, 13, 40);
        SweepState.F64 b = copy(a);
        try (ScalarKernel one = new ScalarKernel(1); ScalarKernel three = new ScalarKernel(3)) {
            int[] o1 = one.greedyOrder(a);
            assertArrayEquals(o1, three.greedyOrder(b));
            for (int k = 0; k < 3; k++) {
                assertEquals(one.sweep(a, o1), three.sweep(b, o1));
                one.updateScales(a);
                three.updateScales(b);
            }
            assertArrayEquals(a.Z(), b.Z());
            assertArrayEquals(a.G(), b.G());
            assertArrayEquals(a.scale(), b.scale());
        }
    }

    @Test
    void sweepKeepsGradientCurrentAndNeverRaisesTheError() {
        SweepState.F64 s = state(2, 32, 5, 8);
        try (ScalarKernel k = new ScalarKernel(2)) {
            double before = Double.POSITIVE_INFINITY;
            for (int sweep = 0; sweep < 3; sweep++) {
                long changed = k.sweep(s, null);
                if (sweep == 0) {
                    assertTrue(changed > 0);
                }
                double[] fromG = k.residualErrors(s);
                double[] direct = directErrors(s);
                double total = 0;
                for (int j = 0; j < fromG.length; j++) {
                    assertEquals(direct[j], fromG[j], 1e-10 * (1 + direct[j]), "channel " + j);
                    total += fromG[j];
                }
                assertTrue(total <= before * (1 + 1e-12));
                before = total;
                double[] g = s.G().clone();
                k.computeGradient(s);
                assertArrayEquals(g, s.G(), 1e-9);
            }
            Layout l = s.layout();
            for (int j = 0; j < l.out(); j++) {
                for (int i = 0; i < l.in(); i++) {
                    int z = s.Z()[l.at(j, i)];
                    assertEquals(s.scale()[l.grid(j, i)] * z, s.Q()[l.at(j, i)], 0.0);
                    assertTrue(z >= -4 && z <= 3);
                }
            }
        }
    }

    @Test
    void deadInputTakesTheWeight() {
        Layout l = new Layout(2, 1, 2);
        double[] h = {0, 0, 0, 2};
        double[] w = {0.26, 0.1};
        SweepState.F64 s = new SweepState.F64(l, TieRule.HALF_EVEN, h, w, w.clone(), new int[2], new double[2],
                new double[] {0.1}, new int[] {-4}, new int[] {3});
        try (ScalarKernel k = new ScalarKernel(1)) {
            k.sweep(s, null);
        }
        assertEquals(3, s.Z()[0], "round(0.26 / 0.1) = 3 (t = W there)");
        assertEquals(1, s.Z()[1]);
    }

    @Test
    void perChannelScaleUpdateIsTheLeastSquaresScale() {
        SweepState.F64 s = state(3, 24, 4, 24);
        try (ScalarKernel k = new ScalarKernel(2)) {
            k.sweep(s, null);
            k.updateScales(s);
        }
        Layout l = s.layout();
        for (int j = 0; j < l.out(); j++) {
            double num = 0;
            double den = 0;
            for (int a = 0; a < l.in(); a++) {
                for (int b = 0; b < l.in(); b++) {
                    num += s.Z()[l.at(j, a)] * s.H()[l.h(a, b)] * s.W()[l.at(j, b)];
                    den += s.Z()[l.at(j, a)] * s.H()[l.h(a, b)] * s.Z()[l.at(j, b)];
                }
            }
            assertEquals(num / den, s.scale()[j], 1e-12 * Math.abs(num / den), "channel " + j);
        }
    }

    @Test
    void greedyOrderIsStableDescending() {
        Layout l = new Layout(4, 1, 4);
        double[] h = {4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
        double[] w = {0.5, -1, 1, 0.25};
        SweepState.F64 s = new SweepState.F64(l, TieRule.HALF_EVEN, h, w, w.clone(), new int[4], new double[4],
                new double[] {1}, new int[] {-1}, new int[] {1});
        try (ScalarKernel k = new ScalarKernel(1)) {
            assertArrayEquals(new int[] {0, 1, 2, 3}, k.greedyOrder(s), "keys 1, 1, 1, 0.25: ties keep index order");
        }
    }

    @Test
    void float32StateFollowsFloat64() {
        SweepState.F64 d = state(4, 48, 6, 16);
        int n = d.W().length;
        float[] h = new float[d.H().length];
        for (int k = 0; k < h.length; k++) {
            h[k] = (float) d.H()[k];
        }
        float[] w = new float[n];
        for (int k = 0; k < n; k++) {
            w[k] = (float) d.W()[k];
        }
        float[] scale = new float[d.scale().length];
        for (int k = 0; k < scale.length; k++) {
            scale[k] = (float) d.scale()[k];
        }
        SweepState.F32 f = new SweepState.F32(d.layout(), d.tie(), h, w, w.clone(), new int[n], new float[n], scale,
                d.lo().clone(), d.hi().clone());
        try (ScalarKernel k = new ScalarKernel(2)) {
            for (int sweep = 0; sweep < 3; sweep++) {
                k.sweep(d, k.greedyOrder(d));
                k.sweep(f, k.greedyOrder(f));
            }
            double e64 = 0;
            double e32 = 0;
            for (double v : k.residualErrors(d)) {
                e64 += v;
            }
            for (double v : k.residualErrors(f)) {
                e32 += v;
            }
            assertEquals(e64, e32, 0.01 * e64);
            assertTrue(k.supports(io.comq.numeric.Precision.FLOAT32) && k.supports(io.comq.numeric.Precision.FLOAT64));
        }
    }

    @Test
    void gramAccumulationMatchesTheDefinition() {
        Matrix.F64 X = RandomLayers.inputs(new Random(6), 17, 9);
        double[] h = new double[81];
        double[] colSum = new double[9];
        try (ScalarKernel k = new ScalarKernel(2)) {
            k.accumulateGram(X, h, colSum);
        }
        assertArrayEquals(RandomLayers.gram(X).data(), h, 1e-10);
        double[] mean = RandomLayers.mean(X);
        for (int i = 0; i < 9; i++) {
            assertEquals(mean[i] * 17, colSum[i], 1e-10);
        }
    }

    @Test
    void theScalarBackendIsRegistered() {
        Kernels kernels = new Kernels();
        assertTrue(kernels.names().contains(ScalarKernel.NAME), kernels.names().toString());
        try (QuantKernel k = kernels.create(new KernelOptions(ScalarKernel.NAME, 2, ""))) {
            assertEquals(ScalarKernel.NAME, k.name());
            assertEquals(2, k.threads());
        }
    }
}
