package io.comq.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.SweepState;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.tensor.Matrix;
import io.comq.testing.KernelFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The public entry point: precision contract, bias compensation, kernel fallback, progress and config errors. */
class LayerQuantizerTest {

    @RegisterExtension
    static final KernelFixture FIXTURE = new KernelFixture(2);
    private static final GridSpec SPEC = new GridSpec(4, Grid.SYM_MAXABS, 1.0, 0, TieRule.HALF_EVEN);

    @Test
    void float32WithinOnePercentOnA256x512Layer() {
        LayerProblem p = RandomLayers.problem(42, 700, 256, 512);
        for (ComqConfig c : new ComqConfig[] {ComqConfig.of(SPEC),
            ComqConfig.of(SPEC.withBits(3)).withScaleUpdate(ComqConfig.ScaleUpdate.POST)}) {
            LayerResult r64 = FIXTURE.quantizer().quantize(p, LayerConfig.of(c), ProgressListener.NONE);
            LayerResult r32 = FIXTURE.quantizer().quantize(p, LayerConfig.of(c.withPrecision(Precision.FLOAT32)), null);
            assertEquals(r64.relError(), r32.relError(), 0.01 * r64.relError(), c.toString());
            assertTrue(r64.relError() < r64.rtnRelError(), "COMQ beats RTN");
        }
    }

    @Test
    void bestAvailableKernelMatchesTheReferenceInFloat32() {
        LayerProblem p = RandomLayers.problem(43, 300, 128, 64);
        ComqConfig c = ComqConfig.of(SPEC.withBits(3));
        double ref = FIXTURE.quantizer().quantize(p, LayerConfig.of(c), null).relError();
        try (QuantKernel best = new Kernels().create(KernelOptions.auto())) {
            LayerResult r = new LayerQuantizer(best).quantize(p, LayerConfig.of(c.withPrecision(Precision.FLOAT32)),
                    null);
            assertEquals(best.name(), r.stats().backend());
            assertEquals(ref, r.relError(), 0.01 * ref, best.name());
        }
    }

    @Test
    void biasCompensationZeroesTheMeanOutputError() {
        Random rnd = new Random(9);
        Matrix.F64 X = RandomLayers.inputs(rnd, 200, 32);
        Matrix.F64 W = RandomLayers.weights(rnd, 32, 7);
        LayerProblem p = new LayerProblem(W, RandomLayers.gram(X), RandomLayers.mean(X), 200);
        LayerResult r = FIXTURE.quantizer().quantize(p, new LayerConfig(ComqConfig.of(SPEC.withBits(2)), true), null);
        for (int j = 0; j < 7; j++) {
            double meanErr = 0;
            for (int n = 0; n < X.rows(); n++) {
                double y = 0;
                double yq = 0;
                for (int i = 0; i < 32; i++) {
                    y += X.get(n, i) * W.get(i, j);
                    yq += X.get(n, i) * r.wq().get(i, j);
                }
                meanErr += (yq + r.biasCorrection()[j] - y) / X.rows();
            }
            assertEquals(0, meanErr, 1e-12, "channel " + j);
        }
        assertNull(FIXTURE.quantizer().quantize(p, LayerConfig.of(ComqConfig.of(SPEC)), null).biasCorrection());
    }

    @Test
    void biasCompensationWithoutMeanRowIsRefused() {
        LayerProblem p = LayerProblem.of(RandomLayers.weights(new Random(1), 8, 2),
                RandomLayers.gram(RandomLayers.inputs(new Random(2), 20, 8)));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> FIXTURE.quantizer().quantize(p, new LayerConfig(RtnConfig.of(SPEC), true), null));
        assertTrue(e.getMessage().contains("mean input row"), e.getMessage());
    }

    @Test
    void unsupportedPrecisionFallsBackToTheScalarKernel() {
        LayerProblem p = Vectors.problem("tiny_sym4");
        QuantKernel onlyF32 = new DelegatingKernel(FIXTURE.kernel()) {
            @Override
            public boolean supports(Precision precision) {
                return precision == Precision.FLOAT32;
            }
        };
        LayerResult r = new LayerQuantizer(onlyF32).quantize(p, LayerConfig.of(ComqConfig.of(SPEC)), null);
        assertTrue(r.stats().guards().stream().anyMatch(s -> s.contains("does not support float64")),
                r.stats().guards().toString());
        assertEquals(ScalarKernel.NAME, r.stats().backend());
        assertArrayEquals(Vectors.ints("tiny_sym4", "comq_greedy_K3_codes"), r.codes());
    }

    @Test
    void progressReportsEverySweep() {
        List<String> seen = new ArrayList<>();
        ProgressListener l = new ProgressListener() {
            @Override
            public void sweepFinished(int sweep, int sweeps, double relError) {
                seen.add(sweep + "/" + sweeps + "=" + relError);
            }
        };
        LayerResult r = FIXTURE.quantizer().quantize(Vectors.problem("med_sym4"), LayerConfig.of(ComqConfig.of(SPEC)), l);
        assertEquals(3, seen.size());
        assertEquals("3/3=" + r.relErrorPerSweep()[2], seen.get(2));
        assertEquals("comq", r.stats().method());
        assertEquals(2, r.stats().threads());
        assertTrue(r.stats().nanos() > 0);
    }

    @Test
    void zeroLayerHasZeroRelativeError() {
        LayerProblem p = LayerProblem.of(Matrix.F64.zeros(4, 2), Matrix.F64.zeros(4, 4));
        for (MethodConfig m : new MethodConfig[] {RtnConfig.of(SPEC), GptqConfig.of(SPEC), ComqConfig.of(SPEC)}) {
            LayerResult r = FIXTURE.quantizer().quantize(p, LayerConfig.of(m), null);
            assertEquals(0, r.relError(), m.toString());
            assertArrayEquals(new int[8], r.codes());
            assertArrayEquals(new double[] {1, 1}, r.scales().data());
        }
    }

    @Test
    void contradictoryComqSettingsAreRefused() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> new ComqConfig(SPEC, 3, ComqConfig.Order.GREEDY, ComqConfig.Init.FP, GptqConfig.of(SPEC),
                        ComqConfig.ScaleUpdate.NONE, Precision.FLOAT64));
        assertTrue(e.getMessage().contains("init 'gptq'"), e.getMessage());
        assertThrows(InvalidConfigException.class, () -> new ComqConfig(SPEC, 3, ComqConfig.Order.GREEDY,
                ComqConfig.Init.GPTQ, GptqConfig.of(SPEC.withBits(3)), ComqConfig.ScaleUpdate.NONE, Precision.FLOAT64));
        assertThrows(InvalidConfigException.class, () -> ComqConfig.of(SPEC).withSweeps(0));
        assertEquals(ComqConfig.Init.GPTQ, ComqConfig.Init.parse("GPTQ"));
        InvalidConfigException p = assertThrows(InvalidConfigException.class, () -> ComqConfig.Order.parse("random"));
        assertTrue(p.getMessage().contains("greedy, cyclic"), p.getMessage());
    }

    @Test
    void comqReleasesTheStateOnceAfterItsLastOperation() {
        List<String> calls = new ArrayList<>();
        QuantKernel recording = new DelegatingKernel(FIXTURE.kernel()) {
            @Override
            public long sweep(SweepState s, int[] order) {
                calls.add("sweep");
                return super.sweep(s, order);
            }

            @Override
            public double[] residualErrors(SweepState s) {
                calls.add("residual");
                return super.residualErrors(s);
            }

            @Override
            public void release(SweepState s) {
                calls.add("release");
            }
        };
        LayerProblem p = RandomLayers.problem(44, 200, 64, 32);
        new LayerQuantizer(recording).quantize(p, LayerConfig.of(ComqConfig.of(SPEC).withSweeps(2)
                .withPrecision(Precision.FLOAT32)), ProgressListener.NONE);
        assertEquals(List.of("sweep", "residual", "sweep", "residual", "release"), calls,
                "a device backend must get its state back after the last sweep, before the codes are read");
    }

    /** Forwards every operation to another kernel. */
    private static class DelegatingKernel implements QuantKernel {
        private final QuantKernel k;

        DelegatingKernel(QuantKernel k) {
            this.k = k;
        }

        @Override
        public String name() {
            return "delegating";
        }

        @Override
        public String device() {
            return k.device();
        }

        @Override
        public int threads() {
            return k.threads();
        }

        @Override
        public boolean supports(Precision precision) {
            return k.supports(precision);
        }

        @Override
        public void accumulateGram(Matrix X, double[] H, double[] colSum) {
            k.accumulateGram(X, H, colSum);
        }

        @Override
        public int[] greedyOrder(SweepState s) {
            return k.greedyOrder(s);
        }

        @Override
        public void computeGradient(SweepState s) {
            k.computeGradient(s);
        }

        @Override
        public long sweep(SweepState s, int[] order) {
            return k.sweep(s, order);
        }

        @Override
        public void updateScales(SweepState s) {
            k.updateScales(s);
        }

        @Override
        public double[] residualErrors(SweepState s) {
            return k.residualErrors(s);
        }

        @Override
        public void release(SweepState s) {
            k.release(s);
        }
    }
}
