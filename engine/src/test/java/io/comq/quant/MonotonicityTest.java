package io.comq.quant;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.layer.LayerConfig;
import io.comq.layer.LayerResult;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.testing.KernelFixture;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** COMQ started from GPTQ or RTN never ends worse than its start, over 200 random layers of varied shape and grid. */
class MonotonicityTest {

    @RegisterExtension
    static final KernelFixture FIXTURE = new KernelFixture(2);

    @Test
    void comqNeverWorseThanItsStart() {
        int[] ins = {8, 16, 24, 32, 48, 64};
        Grid[] grids = Grid.values();
        int improvedOverGptq = 0;
        for (int seed = 0; seed < 200; seed++) {
            Random rnd = new Random(1000 + seed);
            int in = ins[rnd.nextInt(ins.length)];
            int out = 1 + rnd.nextInt(12);
            int groupSize = rnd.nextInt(3) == 0 ? in / 2 : 0;
            GridSpec spec = new GridSpec(2 + rnd.nextInt(3), grids[rnd.nextInt(grids.length)], 1.0, groupSize,
                    TieRule.values()[rnd.nextInt(4)]);
            LayerProblem p = RandomLayers.problem(seed, 2 * in + rnd.nextInt(40), in, out);
            String what = "seed " + seed + " " + spec + " in=" + in + " out=" + out;

            double gptq = FIXTURE.quantizer().quantize(p, LayerConfig.of(GptqConfig.of(spec)), null).relError();
            ComqConfig fromGptq = ComqConfig.of(spec).withInit(ComqConfig.Init.GPTQ).withSweeps(1 + rnd.nextInt(3));
            LayerResult c = FIXTURE.quantizer().quantize(p, LayerConfig.of(fromGptq), null);
            assertTrue(c.relError() <= gptq * (1 + 1e-9) + 1e-15, what + ": comq(gptq) " + c.relError() + " > " + gptq);
            for (int k = 1; k < c.relErrorPerSweep().length; k++) {
                assertTrue(c.relErrorPerSweep()[k] <= c.relErrorPerSweep()[k - 1] * (1 + 1e-9) + 1e-15, what);
            }
            if (c.relError() < gptq * (1 - 1e-6)) {
                improvedOverGptq++;
            }

            double rtn = FIXTURE.quantizer().quantize(p, LayerConfig.of(RtnConfig.of(spec)), null).relError();
            LayerResult r = FIXTURE.quantizer().quantize(p, LayerConfig.of(ComqConfig.of(spec).withInit(ComqConfig.Init.RTN)),
                    null);
            assertTrue(r.relError() <= rtn * (1 + 1e-9) + 1e-15, what + ": comq(rtn) " + r.relError() + " > " + rtn);
            assertTrue(r.rtnRelError() == rtn, what);
        }
        assertTrue(improvedOverGptq > 100, "COMQ improved on GPTQ in only " + improvedOverGptq + " of 200 layers");
    }
}
