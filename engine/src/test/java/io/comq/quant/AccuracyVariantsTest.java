package io.comq.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.tensor.Matrix;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The accuracy variants: the sym-mse grid, COMQ damping, COMQ from GPTQ act_order, and method auto's guard. */
class AccuracyVariantsTest {

    static final GridSpec MAXABS = new GridSpec(4, Grid.SYM_MAXABS, 1.0, 0, TieRule.HALF_EVEN);
    static final GridSpec MSE = new GridSpec(4, Grid.SYM_MSE, 1.0, 0, TieRule.HALF_EVEN);

    /** Gaussian weights with one large outlier per channel: clipping it rounds the bulk finer. */
    static Matrix.F64 outlierWeights(int in, int out) {
        Random rnd = new Random(11);
        double[] w = new double[in * out];
        for (int k = 0; k < w.length; k++) {
            w[k] = rnd.nextGaussian();
        }
        for (int j = 0; j < out; j++) {
            w[rnd.nextInt(in) * out + j] = 8 * (rnd.nextBoolean() ? 1 : -1);
        }
        return new Matrix.F64(in, out, w);
    }

    private static double[] channelErrors(Matrix.F64 W, GridSpec spec) {
        Quantized q = io.comq.quant.rtn.Rtn.quantize(W, spec);
        Matrix wq = q.grid().dequantize(q.codes(), Precision.FLOAT64);
        double[] e = new double[W.cols()];
        for (int i = 0; i < W.rows(); i++) {
            for (int j = 0; j < W.cols(); j++) {
                double d = W.get(i, j) - wq.get(i, j);
                e[j] += d * d;
            }
        }
        return e;
    }

    @Test
    void symMseNeverRoundsWorseThanMaxAbsAndClipsOutliers() {
        Matrix.F64 W = outlierWeights(128, 16);
        double[] maxabs = channelErrors(W, MAXABS);
        double[] mse = channelErrors(W, MSE);
        double sumMaxabs = 0;
        double sumMse = 0;
        for (int j = 0; j < W.cols(); j++) {
            // the search includes the unclipped scale (8/7 of maxabs's), which rounds no worse than maxabs's here
            assertTrue(mse[j] <= maxabs[j] * 1.0001, "channel " + j + ": " + mse[j] + " vs " + maxabs[j]);
            sumMaxabs += maxabs[j];
            sumMse += mse[j];
        }
        assertTrue(sumMse < 0.95 * sumMaxabs, "clipping outliers pays: " + sumMse + " vs " + sumMaxabs);
        QuantGrid g = QuantGrid.fit(W, MSE);
        for (int j = 0; j < W.cols(); j++) {
            assertEquals(-8, g.lo()[j]);
            assertEquals(7, g.hi()[j]);
            assertTrue(g.scale()[j] < QuantGrid.fit(W, MAXABS).scale()[j], "outliers clipped");
        }
        assertTrue(Grid.SYM_MSE.symmetric());
        assertEquals(Grid.SYM_MSE, Grid.parse("sym-mse"));
        assertThrows(InvalidConfigException.class, () -> new GridSpec(4, Grid.SYM_MSE, 0.9, 0, TieRule.HALF_EVEN));
    }

    @Test
    void comqDampingPullsTowardRoundToNearestAndIsReported() {
        LayerProblem p = RandomLayers.problem(5, 64, 48, 12);
        try (ScalarKernel kernel = new ScalarKernel(1)) {
            LayerQuantizer q = new LayerQuantizer(kernel);
            ComqConfig plain = ComqConfig.of(MAXABS);
            LayerResult r0 = q.quantize(p, LayerConfig.of(plain), null);
            LayerResult r1 = q.quantize(p, LayerConfig.of(plain.withDamp(1.0)), null);
            LayerResult rtn = q.quantize(p, LayerConfig.of(RtnConfig.of(MAXABS)), null);
            assertTrue(r1.stats().guards().stream().anyMatch(s -> s.contains("COMQ damping")), r1.stats().guards()
                    .toString());
            assertTrue(r0.stats().guards().stream().noneMatch(s -> s.contains("COMQ damping")));
            assertTrue(agreement(r1, rtn) > agreement(r0, rtn), agreement(r1, rtn) + " vs " + agreement(r0, rtn));
            // the undamped objective is what plain COMQ minimises: damping costs some of it
            assertTrue(r1.relError() >= r0.relError() * 0.999);
        }
        assertThrows(InvalidConfigException.class, () -> ComqConfig.of(MAXABS).withDamp(1.5));
    }

    @Test
    void comqFromGptqActOrderNeverEndsWorseThanItsStart() {
        LayerProblem p = RandomLayers.problem(9, 96, 64, 16);
        GptqConfig ao = new GptqConfig(MAXABS, GptqConfig.DEFAULT_DAMP, true, GptqConfig.DEFAULT_BLOCK_SIZE,
                Precision.FLOAT64);
        try (ScalarKernel kernel = new ScalarKernel(1)) {
            LayerQuantizer q = new LayerQuantizer(kernel);
            LayerResult gptq = q.quantize(p, LayerConfig.of(ao), null);
            LayerResult comq = q.quantize(p, LayerConfig.of(ComqConfig.of(MAXABS).withGptqInit(ao)), null);
            assertTrue(comq.relError() <= gptq.relError() * (1 + 1e-12), comq.relError() + " vs " + gptq.relError());
            assertEquals("comq(init=gptq+act_order)", ComqConfig.of(MAXABS).withGptqInit(ao).label());
            assertThrows(InvalidConfigException.class, () -> q.quantize(p, LayerConfig.of(AutoConfig.standard(MAXABS,
                    Precision.FLOAT64)), null));
        }
        AutoConfig a = AutoConfig.standard(MAXABS, Precision.FLOAT32);
        assertEquals(6, a.candidates().size());
        AutoConfig at3 = a.withGrid(MAXABS.withBits(3));
        for (MethodConfig m : at3.candidates()) {
            assertEquals(3, m.grid().bits());
        }
        assertThrows(InvalidConfigException.class, () -> new AutoConfig(MAXABS, Precision.FLOAT32,
                List.of(RtnConfig.of(MSE))));
    }

    private static double agreement(LayerResult a, LayerResult b) {
        int same = 0;
        for (int k = 0; k < a.codes().length; k++) {
            same += a.codes()[k] == b.codes()[k] ? 1 : 0;
        }
        return (double) same / a.codes().length;
    }
}
