package io.comq.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.tensor.Matrix;
import io.comq.testing.KernelFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GPTQ beyond the reference vectors: block size, act_order, damping escalation and the RTN fallback. */
class GptqTest {

    @RegisterExtension
    static final KernelFixture FIXTURE = new KernelFixture(1);

    private static LayerResult run(LayerProblem p, MethodConfig m) {
        return FIXTURE.quantizer().quantize(p, LayerConfig.of(m), ProgressListener.NONE);
    }

    private static final GridSpec SPEC = new GridSpec(3, Grid.SYM_MAXABS, 1.0, 0, TieRule.HALF_EVEN);

    @Test
    void blockSizeDoesNotChangeTheResult() {
        LayerProblem p = RandomLayers.problem(3, 200, 64, 9);
        LayerResult ref = run(p, new GptqConfig(SPEC, 0.01, false, 64, Precision.FLOAT64));
        for (int block : new int[] {1, 7, 16, 128}) {
            LayerResult r = run(p, new GptqConfig(SPEC, 0.01, false, block, Precision.FLOAT64));
            assertArrayEquals(ref.codes(), r.codes(), "block " + block);
        }
        assertTrue(ref.relError() < ref.rtnRelError(), "GPTQ should beat RTN on a correlated layer");
    }

    @Test
    void actOrderReturnsCodesInTheOriginalOrder() {
        LayerProblem p = RandomLayers.problem(5, 150, 32, 6);
        int in = p.in();
        int out = p.out();
        int[] perm = new int[in];
        for (int i = 0; i < in; i++) {
            perm[i] = (i * 7 + 3) % in;
        }
        double[] w = new double[in * out];
        double[] h = new double[in * in];
        for (int a = 0; a < in; a++) {
            for (int j = 0; j < out; j++) {
                w[a * out + j] = p.weights().get(perm[a], j);
            }
            for (int b = 0; b < in; b++) {
                h[a * in + b] = p.gram().get(perm[a], perm[b]);
            }
        }
        LayerProblem permuted = LayerProblem.of(new Matrix.F64(in, out, w), new Matrix.F64(in, in, h));
        GptqConfig act = new GptqConfig(SPEC, 0.01, true, 8, Precision.FLOAT64);
        LayerResult a = run(p, act);
        LayerResult b = run(permuted, act);
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                assertEquals(a.codes()[perm[i] * out + j], b.codes()[i * out + j], "row " + i);
            }
        }
        assertEquals(a.relError(), b.relError(), 1e-9 * a.relError());
    }

    @Test
    void groupGridsAreFittedOnCurrentWeightsOrStaticWithActOrder() {
        LayerProblem p = RandomLayers.problem(8, 200, 64, 5);
        GridSpec grouped = new GridSpec(3, Grid.ASYM_MINMAX, 1.0, 16, TieRule.HALF_EVEN);
        QuantGrid original = QuantGrid.fit(p.weights(), grouped);

        LayerResult act = run(p, new GptqConfig(grouped, 0.01, true, 8, Precision.FLOAT64));
        assertArrayEquals(original.scale(), act.scales().data(), "act_order: static groups of the original order");
        assertArrayEquals(original.lo(), act.lo());

        LayerResult seq = run(p, new GptqConfig(grouped, 0.01, false, 128, Precision.FLOAT64));
        for (int j = 0; j < 5; j++) {
            assertEquals(original.scale()[j], seq.scales().data()[j], 0.0, "group 0 sees unchanged weights");
        }
        boolean later = false;
        for (int k = 5; k < original.scale().length; k++) {
            later |= original.scale()[k] != seq.scales().data()[k];
        }
        assertTrue(later, "later groups are fitted on error-updated weights");
        LayerResult small = run(p, new GptqConfig(grouped, 0.01, false, 5, Precision.FLOAT64));
        assertArrayEquals(seq.codes(), small.codes(), "blocks are cut at group starts: block size does not matter");
        assertArrayEquals(seq.scales().data(), small.scales().data(), 1e-12);
    }

    @Test
    void indefiniteGramRaisesTheDamping() {
        Matrix.F64 H = new Matrix.F64(2, 2, new double[] {1, 3, 3, 1});
        Matrix.F64 W = new Matrix.F64(2, 2, new double[] {0.3, -0.2, 0.1, 0.25});
        LayerResult r = run(LayerProblem.of(W, H), GptqConfig.of(SPEC));
        assertTrue(r.stats().guards().stream().anyMatch(s -> s.startsWith("Cholesky failed, damping raised to 10*")),
                r.stats().guards().toString());
    }

    @Test
    void hopelessGramFallsBackToRtn() {
        Matrix.F64 H = new Matrix.F64(2, 2, new double[] {1, 50, 50, 1});
        Matrix.F64 W = new Matrix.F64(2, 2, new double[] {0.3, -0.2, 0.1, 0.25});
        LayerProblem p = LayerProblem.of(W, H);
        LayerResult r = run(p, GptqConfig.of(SPEC));
        assertTrue(r.stats().guards().stream().anyMatch(s -> s.contains("fell back to RTN")),
                r.stats().guards().toString());
        assertArrayEquals(run(p, RtnConfig.of(SPEC)).codes(), r.codes());
    }

    @Test
    void float32FactorizationStaysClose() {
        LayerProblem p = RandomLayers.problem(11, 600, 256, 32);
        double e64 = run(p, GptqConfig.of(SPEC)).relError();
        double e32 = run(p, GptqConfig.of(SPEC).withPrecision(Precision.FLOAT32)).relError();
        assertEquals(e64, e32, 0.01 * e64);
    }

    @Test
    void badSettingsAreRefusedWithTheFix() {
        assertThrows(InvalidConfigException.class, () -> new GptqConfig(SPEC, -0.1, false, 128, Precision.FLOAT64));
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> new GptqConfig(SPEC, 0.01, false, 0, Precision.FLOAT64));
        assertTrue(e.getMessage().contains("block size"));
    }
}
