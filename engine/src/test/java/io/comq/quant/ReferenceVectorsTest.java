package io.comq.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.tensor.Matrix;
import io.comq.testing.KernelFixture;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Float64 reproduces every code and error of the reference vectors; float32 stays within 1% of float64's error. */
class ReferenceVectorsTest {

    @RegisterExtension
    static final KernelFixture FIXTURE = new KernelFixture(2);

    static Stream<String> cases() {
        return Stream.of("tiny_sym4", "small_asym3", "small_sym2", "med_sym4", "dead_input_sym3");
    }

    static GridSpec spec(JsonNode m) {
        Grid g = m.get("grid").asText().equals("asym_minmax") ? Grid.ASYM_MINMAX : Grid.SYM_MAXABS;
        return new GridSpec(m.get("bits").asInt(), g, 1.0, 0, TieRule.HALF_EVEN);
    }

    private static LayerResult run(String c, MethodConfig method) {
        return FIXTURE.quantizer().quantize(Vectors.problem(c), LayerConfig.of(method), ProgressListener.NONE);
    }

    private static void assertRel(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-9 * Math.abs(expected), what);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void gridMatches(String c) {
        QuantGrid g = QuantGrid.fit(Vectors.matrix(c, "W"), spec(Vectors.manifest(c)));
        assertArrayEquals(Vectors.doubles(c, "scale"), g.scale(), 1e-15, "scale");
        assertArrayEquals(Vectors.ints(c, "lo"), g.lo(), "lo");
        assertArrayEquals(Vectors.ints(c, "hi"), g.hi(), "hi");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rtnCodesAndError(String c) {
        JsonNode m = Vectors.manifest(c);
        LayerResult r = run(c, RtnConfig.of(spec(m)));
        assertArrayEquals(Vectors.ints(c, "rtn_codes"), r.codes());
        assertRel(m.at("/results/rtn/rel").asDouble(), r.relError(), "rtn rel");
        assertEquals(r.relError(), r.rtnRelError());
        assertEquals(0, r.relErrorPerSweep().length);
        assertEquals("rtn", r.stats().method());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void gptqCodesAndError(String c) {
        JsonNode m = Vectors.manifest(c);
        LayerResult r = run(c, GptqConfig.of(spec(m)));
        assertArrayEquals(Vectors.ints(c, "gptq_codes"), r.codes());
        assertRel(m.at("/results/gptq/rel").asDouble(), r.relError(), "gptq rel");
        assertRel(m.at("/results/rtn/rel").asDouble(), r.rtnRelError(), "rtn baseline");
        assertTrue(r.stats().guards().stream().anyMatch(s -> s.startsWith("damping 0.01*mean(diag H)=")),
                r.stats().guards().toString());
        assertEquals(io.comq.quant.linalg.Linalg.process().math().name(), r.stats().backend());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void comqCodesAndPerSweepErrors(String c) {
        JsonNode m = Vectors.manifest(c);
        double norm = m.get("normXW").asDouble();
        for (ComqConfig.Order order : ComqConfig.Order.values()) {
            for (int k = 1; k <= 3; k++) {
                String name = "comq_" + order.id() + "_K" + k;
                LayerResult r = run(c, ComqConfig.of(spec(m)).withOrder(order).withSweeps(k));
                assertArrayEquals(Vectors.ints(c, name + "_codes"), r.codes(), name);
                JsonNode perSweep = m.at("/results/" + name + "/err_per_sweep");
                assertEquals(k, r.relErrorPerSweep().length);
                for (int s = 0; s < k; s++) {
                    assertRel(perSweep.get(s).asDouble() / norm, r.relErrorPerSweep()[s], name + " sweep " + (s + 1));
                }
                assertRel(m.at("/results/" + name + "/rel").asDouble(), r.relError(), name + " rel");
                assertRel(m.at("/results/" + name + "/err").asDouble(), r.relError() * norm, name + " err");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void greedyPermutation(String c) {
        Matrix.F64 W = Vectors.matrix(c, "W");
        Matrix.F64 H = Vectors.matrix(c, "H");
        int in = W.rows();
        int out = W.cols();
        Layout l = new Layout(in, out, in);
        double[] w = new double[in * out];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                w[l.at(j, i)] = W.get(i, j);
            }
        }
        SweepState.F64 s = new SweepState.F64(l, TieRule.HALF_EVEN, H.data(), w, w.clone(), new int[in * out],
                new double[in * out], new double[out], new int[out], new int[out]);
        int[] order = FIXTURE.kernel().greedyOrder(s);
        int[] perm = Vectors.ints(c, "comq_greedy_perm");
        for (int k = 0; k < in; k++) {
            for (int j = 0; j < out; j++) {
                assertEquals(perm[k * out + j], order[j * in + k], "perm[" + k + ", " + j + "]");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void scaleUpdate(String c) {
        JsonNode m = Vectors.manifest(c);
        LayerResult r = run(c, ComqConfig.of(spec(m)).withScaleUpdate(ComqConfig.ScaleUpdate.POST));
        assertArrayEquals(Vectors.ints(c, "comq_greedy_scaleupd_codes"), r.codes());
        double[] expected = Vectors.doubles(c, "comq_greedy_scaleupd_scale");
        for (int j = 0; j < expected.length; j++) {
            assertRel(expected[j], r.scales().data()[j], "scale " + j);
        }
        assertRel(m.at("/results/comq_greedy_scaleupd_K3/rel").asDouble(), r.relError(), "rel");
        assertRel(r.relError(), r.relErrorPerSweep()[2], "last sweep error is the final error");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void float32WithinOnePercentOfFloat64(String c) {
        GridSpec spec = spec(Vectors.manifest(c));
        MethodConfig[] methods = {
            ComqConfig.of(spec), ComqConfig.of(spec).withOrder(ComqConfig.Order.CYCLIC),
            ComqConfig.of(spec).withScaleUpdate(ComqConfig.ScaleUpdate.POST),
            ComqConfig.of(spec).withInit(ComqConfig.Init.GPTQ), GptqConfig.of(spec)
        };
        for (MethodConfig m64 : methods) {
            MethodConfig m32 = m64 instanceof ComqConfig cc ? cc.withPrecision(Precision.FLOAT32)
                    : ((GptqConfig) m64).withPrecision(Precision.FLOAT32);
            LayerResult r64 = run(c, m64);
            LayerResult r32 = run(c, m32);
            assertEquals(Precision.FLOAT32, r32.stats().precision());
            assertTrue(r32.wq() instanceof Matrix.F32);
            assertEquals(r64.relError(), r32.relError(), 0.01 * r64.relError(), m64.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void deadInputsAreGuarded(String c) {
        LayerResult r = run(c, GptqConfig.of(spec(Vectors.manifest(c))));
        LayerResult q = run(c, ComqConfig.of(spec(Vectors.manifest(c))));
        boolean dead = c.startsWith("dead");
        assertEquals(dead, r.stats().guards().stream().anyMatch(s -> s.startsWith("1 dead input (H_ii = 0)")),
                r.stats().guards().toString());
        assertEquals(dead, q.stats().guards().stream().anyMatch(s -> s.startsWith("1 dead input (H_ii = 0)")),
                q.stats().guards().toString());
    }
}
