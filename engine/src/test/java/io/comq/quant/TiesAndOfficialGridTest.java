package io.comq.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.linalg.Objective;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.tensor.Matrix;
import io.comq.testing.KernelFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The {@code ties} case under every tie rule, and the authors' grid in {@code official_asym}. */
class TiesAndOfficialGridTest {

    @RegisterExtension
    static final KernelFixture FIXTURE = new KernelFixture(2);

    private static double normSq(String c) {
        Matrix.F64 W = Vectors.matrix(c, "W");
        return Objective.quadratic(Vectors.matrix(c, "H").data(), W.data(), W.rows(), W.cols(), Precision.FLOAT64);
    }

    @ParameterizedTest
    @EnumSource(TieRule.class)
    void tiesUnderEveryRule(TieRule tie) {
        String c = "ties";
        JsonNode res = Vectors.manifest(c).get("results");
        String suffix = "_" + tie.id().replace('-', '_');
        GridSpec spec = new GridSpec(4, Grid.SYM_MAXABS, 1.0, 0, tie);
        LayerProblem p = Vectors.problem(c);
        double norm = normSq(c);

        LayerResult rtn = FIXTURE.quantizer().quantize(p, LayerConfig.of(RtnConfig.of(spec)), ProgressListener.NONE);
        assertArrayEquals(Vectors.ints(c, "rtn_codes" + suffix), rtn.codes(), "rtn" + suffix);
        assertEquals(res.at("/rtn" + suffix + "/err").asDouble(), rtn.relError() * norm, 1e-9, "rtn err");
        assertArrayEquals(Vectors.doubles(c, "scale"), rtn.scales().data());

        for (ComqConfig.Order order : ComqConfig.Order.values()) {
            String name = "comq_" + order.id() + "_K2";
            LayerResult r = FIXTURE.quantizer().quantize(p, LayerConfig.of(ComqConfig.of(spec).withOrder(order).withSweeps(2)),
                    ProgressListener.NONE);
            assertArrayEquals(Vectors.ints(c, name + "_codes" + suffix), r.codes(), name + suffix);
            assertEquals(res.at("/" + name + suffix + "/err").asDouble(), r.relError() * norm, 1e-9, name + " err");
        }
    }

    @ParameterizedTest
    @CsvSource({"4, 1.0", "2, 0.65"})
    void officialAsymmetricGrid(int bits, double ratio) {
        String c = "official_asym";
        String b = "b" + bits + "_";
        JsonNode res = Vectors.manifest(c).get("results");
        String key = "b" + bits + "_ratio" + ratio + "_";
        GridSpec spec = new GridSpec(bits, Grid.ASYM_MINMAX, ratio, 0, TieRule.HALF_DOWN);
        LayerProblem p = Vectors.problem(c);

        QuantGrid g = QuantGrid.fit(p.weights(), spec);
        assertArrayEquals(Vectors.doubles(c, b + "scale"), g.scale(), 1e-15, "scale");
        assertArrayEquals(Vectors.ints(c, b + "lo"), g.lo(), "lo");
        assertArrayEquals(Vectors.ints(c, b + "hi"), g.hi(), "hi");

        LayerResult rtn = FIXTURE.quantizer().quantize(p, LayerConfig.of(RtnConfig.of(spec)), ProgressListener.NONE);
        assertArrayEquals(Vectors.ints(c, b + "rtn_codes"), rtn.codes(), "rtn");
        assertEquals(res.at("/" + key + "rtn/rel").asDouble(), rtn.relError(), 1e-9 * rtn.relError());
        for (int k = 1; k <= 2; k++) {
            LayerResult r = FIXTURE.quantizer().quantize(p, LayerConfig.of(ComqConfig.of(spec).withSweeps(k)),
                    ProgressListener.NONE);
            assertArrayEquals(Vectors.ints(c, b + "comq_greedy_K" + k + "_codes"), r.codes(), "greedy K" + k);
            double rel = res.at("/" + key + "comq_greedy_K" + k + "/rel").asDouble();
            assertEquals(rel, r.relError(), 1e-9 * rel, "greedy K" + k + " rel");
            assertArrayEquals(Vectors.ints(c, b + "lo"), r.lo());
            LayerResult f32 = FIXTURE.quantizer().quantize(p,
                    LayerConfig.of(ComqConfig.of(spec).withSweeps(k).withPrecision(Precision.FLOAT32)), null);
            assertEquals(r.relError(), f32.relError(), 0.01 * r.relError(), "float32 greedy K" + k);
            for (int z = 0; z < r.codes().length; z++) {
                int j = z % r.out();
                assertEquals(true, r.codes()[z] >= r.lo()[j] && r.codes()[z] <= r.hi()[j], "code in [lo, hi]");
            }
        }
    }

    @Test
    void zeroPointsAreMinusLo() {
        GridSpec spec = new GridSpec(2, Grid.ASYM_MINMAX, 0.65, 0, TieRule.HALF_DOWN);
        LayerResult r = FIXTURE.quantizer().quantize(Vectors.problem("official_asym"), LayerConfig.of(RtnConfig.of(spec)),
                ProgressListener.NONE);
        int[] zp = r.zeroPoints();
        for (int j = 0; j < zp.length; j++) {
            assertEquals(-r.lo()[j], zp[j]);
        }
    }
}
