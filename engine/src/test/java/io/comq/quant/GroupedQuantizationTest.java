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
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.testing.KernelFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Grouped grids: consistent with per-channel at groupSize = in, codes within their group's range, COMQ beats RTN. */
class GroupedQuantizationTest {

    @RegisterExtension
    static final KernelFixture FIXTURE = new KernelFixture(2);

    private static LayerResult run(LayerProblem p, MethodConfig m) {
        return FIXTURE.quantizer().quantize(p, LayerConfig.of(m), ProgressListener.NONE);
    }

    @Test
    void groupOfTheWholeInputEqualsPerChannel() {
        LayerProblem p = RandomLayers.problem(7, 120, 48, 10);
        for (Grid grid : Grid.values()) {
            GridSpec perChannel = new GridSpec(3, grid, 1.0, 0, TieRule.HALF_EVEN);
            GridSpec oneGroup = new GridSpec(3, grid, 1.0, 48, TieRule.HALF_EVEN);
            MethodConfig[][] pairs = {
                {RtnConfig.of(perChannel), RtnConfig.of(oneGroup)},
                {GptqConfig.of(perChannel), GptqConfig.of(oneGroup)},
                {ComqConfig.of(perChannel), ComqConfig.of(oneGroup)},
                {ComqConfig.of(perChannel).withScaleUpdate(ComqConfig.ScaleUpdate.POST),
                    ComqConfig.of(oneGroup).withScaleUpdate(ComqConfig.ScaleUpdate.POST)},
            };
            for (MethodConfig[] pair : pairs) {
                LayerResult a = run(p, pair[0]);
                LayerResult b = run(p, pair[1]);
                assertArrayEquals(a.codes(), b.codes(), pair[1].toString());
                assertArrayEquals(a.scales().data(), b.scales().data(), 1e-12, pair[1].toString());
                assertEquals(a.relError(), b.relError(), 1e-12 * a.relError(), pair[1].toString());
            }
        }
    }

    @Test
    void codesStayInTheirGroupsRangeAndComqBeatsRtn() {
        int[][] shapes = {{32, 8, 8}, {64, 6, 16}, {48, 5, 12}, {96, 4, 32}};
        int seed = 0;
        for (int[] s : shapes) {
            for (Grid grid : Grid.values()) {
                for (int bits = 2; bits <= 4; bits++) {
                    LayerProblem p = RandomLayers.problem(seed++, 3 * s[0], s[0], s[1]);
                    GridSpec spec = new GridSpec(bits, grid, 1.0, s[2], TieRule.HALF_EVEN);
                    LayerResult rtn = run(p, RtnConfig.of(spec));
                    MethodConfig[] methods = {
                        ComqConfig.of(spec), ComqConfig.of(spec).withScaleUpdate(ComqConfig.ScaleUpdate.POST),
                        GptqConfig.of(spec), new GptqConfig(spec, 0.01, true, 16, Precision.FLOAT64)
                    };
                    for (MethodConfig m : methods) {
                        LayerResult r = run(p, m);
                        String what = m + " shape " + s[0] + "x" + s[1];
                        assertEquals(s[0] / s[2], r.scales().rows(), what);
                        assertInRange(r, what);
                        if (m instanceof ComqConfig) {
                            assertTrue(r.relError() <= rtn.relError() * (1 + 1e-9), what + ": " + r.relError()
                                    + " > rtn " + rtn.relError());
                        }
                    }
                }
            }
        }
    }

    private static void assertInRange(LayerResult r, String what) {
        int rowsPerGroup = r.in() / r.scales().rows();
        for (int i = 0; i < r.in(); i++) {
            for (int j = 0; j < r.out(); j++) {
                int g = (i / rowsPerGroup) * r.out() + j;
                int z = r.codes()[i * r.out() + j];
                assertTrue(z >= r.lo()[g] && z <= r.hi()[g], what + ": code " + z + " at (" + i + ", " + j
                        + ") outside [" + r.lo()[g] + ", " + r.hi()[g] + "]");
                assertEquals(r.scales().data()[g] * z, r.wq().get(i, j), 1e-15, what);
            }
        }
    }

    @Test
    void groupSizeMustDivideTheInputs() {
        LayerProblem p = RandomLayers.problem(1, 40, 20, 3);
        GridSpec spec = new GridSpec(4, Grid.SYM_MAXABS, 1.0, 8, TieRule.HALF_EVEN);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> run(p, ComqConfig.of(spec)));
        assertTrue(e.getMessage().contains("does not divide"), e.getMessage());
    }
}
