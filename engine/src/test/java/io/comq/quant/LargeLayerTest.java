package io.comq.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A 512 x 1024 layer through the best kernel: the precision contract and the method ranking at a realistic size. */
@Tag("slow")
class LargeLayerTest {

    @Test
    void float32MatchesFloat64AndComqFromGptqImprovesOnGptq() {
        LayerProblem p = RandomLayers.problem(77, 1200, 512, 1024);
        GridSpec spec = new GridSpec(3, Grid.SYM_MAXABS, 1.0, 128, TieRule.HALF_EVEN);
        try (QuantKernel kernel = new Kernels().create(KernelOptions.auto())) {
            LayerQuantizer q = new LayerQuantizer(kernel);
            GptqConfig gptq = GptqConfig.of(spec);
            ComqConfig comq = ComqConfig.of(spec).withInit(ComqConfig.Init.GPTQ);
            double g64 = q.quantize(p, LayerConfig.of(gptq), null).relError();
            double g32 = q.quantize(p, LayerConfig.of(gptq.withPrecision(Precision.FLOAT32)), null).relError();
            double c64 = q.quantize(p, LayerConfig.of(comq), null).relError();
            LayerResult c32 = q.quantize(p, LayerConfig.of(comq.withPrecision(Precision.FLOAT32)), null);
            assertEquals(g64, g32, 0.01 * g64, "gptq");
            assertEquals(c64, c32.relError(), 0.01 * c64, "comq");
            assertTrue(c64 < g64, "comq(gptq) " + c64 + " vs gptq " + g64);
            assertTrue(g64 < c32.rtnRelError(), "gptq " + g64 + " vs rtn " + c32.rtnRelError());
        }
    }
}
