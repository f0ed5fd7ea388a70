package io.comq.format.gptq;

import io.comq.tensor.Float16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.tensor.Float16;
import io.comq.format.safetensors.Tensor;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import io.comq.numeric.TieRule;
import io.comq.tensor.Matrix;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GptqLayerTest {

    private static GridSpec grid(int bits, Grid g, int groupSize) {
        return new GridSpec(bits, g, 1.0, groupSize, TieRule.HALF_EVEN);
    }

    private static LayerResult result(long seed, int in, int out, GridSpec grid, boolean powerOfTwo) {
        Random rnd = new Random(seed);
        return Layers.comq(Layers.problem(rnd, Layers.weights(rnd, in, out, powerOfTwo)), grid, false);
    }

    /** Dequantized weights equal {@code fp16(scale) * z}, the codes come back exactly, and the tensors have GPTQ shapes. */
    private static void roundTrips(LayerResult r, GptqFormat format) {
        GptqLayer g = GptqLayer.pack("l.weight", r, format);
        assertArrayEquals(r.codes(), g.codes());
        float[] d = g.dequantize();
        int rows = r.in() / r.scales().rows();
        for (int i = 0; i < r.in(); i++) {
            for (int j = 0; j < r.out(); j++) {
                double s = r.scales().data()[(i / rows) * r.out() + j];
                int z = r.codes()[i * r.out() + j];
                assertEquals(r.wq().get(i, j), s * z, 0.0, "Wq is scale * z");
                assertEquals((float) (Float16.round(s) * z), d[i * r.out() + j], 0.0f, "(" + i + ", " + j + ")");
            }
        }
        int bits = r.grid().bits();
        Map<String, Tensor> t = g.tensors("l");
        assertArrayEquals(new int[] {r.in() / 32 * bits, r.out()}, t.get("l.qweight").shape());
        assertArrayEquals(new int[] {r.scales().rows(), r.out() / 32 * bits}, t.get("l.qzeros").shape());
        assertArrayEquals(new int[] {r.scales().rows(), r.out()}, t.get("l.scales").shape());
        assertArrayEquals(new int[] {r.in()}, t.get("l.g_idx").shape());
        for (int i = 0; i < r.in(); i++) {
            assertEquals(i / rows, g.gIdx()[i]);
        }
    }

    @Test
    void everyWidthAndGridRoundTrips() {
        roundTrips(result(1, 64, 32, grid(4, Grid.SYM_MAXABS, 32), false), GptqFormat.GPTQ);
        roundTrips(result(2, 64, 64, grid(3, Grid.SYM_MAXABS, 0), false), GptqFormat.GPTQ);
        roundTrips(result(3, 32, 32, grid(2, Grid.SYM_RESTRICTED, 0), false), GptqFormat.GPTQ);
        roundTrips(result(4, 64, 32, grid(8, Grid.SYM_MAXABS, 32), false), GptqFormat.GPTQ);
        roundTrips(result(5, 64, 32, grid(4, Grid.ASYM_MINMAX, 32), false), GptqFormat.GPTQ_V2);
        roundTrips(result(6, 96, 32, grid(3, Grid.ASYM_MINMAX, 0), false), GptqFormat.GPTQ_V2);
    }

    @Test
    void powerOfTwoScalesDequantizeToWqExactly() {
        LayerResult r = result(7, 64, 32, grid(4, Grid.SYM_MAXABS, 32), true);
        float[] d = GptqLayer.pack("l.weight", r, GptqFormat.GPTQ).dequantize();
        Matrix.F64 wq = r.wq().toF64();
        for (int k = 0; k < d.length; k++) {
            assertEquals(wq.data()[k], d[k], 0.0, "element " + k);
        }
    }

    @Test
    void symmetricZeroPointIsHalfTheRangeMinusOneInV1() {
        LayerResult r = result(8, 64, 32, grid(4, Grid.SYM_MAXABS, 0), false);
        GptqLayer v1 = GptqLayer.pack("l.weight", r, GptqFormat.GPTQ);
        for (int w : v1.qzeros()) {
            assertEquals(0x77777777, w, "4-bit sym v1 checkpoints store 7 = 8 - 1 in every nibble");
        }
        for (int w : GptqLayer.pack("l.weight", r, GptqFormat.GPTQ_V2).qzeros()) {
            assertEquals(0x88888888, w);
        }
        assertEquals(-1, v1.groupSize(), "per-channel is group_size -1");
        LayerResult restricted = result(9, 32, 32, grid(2, Grid.SYM_RESTRICTED, 0), false);
        for (int z : GptqLayer.pack("l.weight", restricted, GptqFormat.GPTQ).zeroPoints()) {
            assertEquals(2, z, "sym-restricted is stored around 2^(bits-1) too, as sym=true kernels assume");
        }
    }

    @Test
    void zeroPointZeroCannotBeStoredInV1() {
        // a channel of non-negative weights: asym-minmax puts lo at 0, so the zero point is 0
        Random rnd = new Random(10);
        Matrix.F64 w = Layers.weights(rnd, 32, 32, false);
        double[] a = w.data().clone();
        for (int i = 0; i < 32; i++) {
            a[i * 32 + 5] = Math.abs(a[i * 32 + 5]);
        }
        a[5] = 0; // min exactly 0
        Matrix.F64 pos = new Matrix.F64(32, 32, a);
        LayerResult r = Layers.comq(Layers.problem(rnd, pos), grid(4, Grid.ASYM_MINMAX, 0), false);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> GptqLayer.pack("l.weight", r, GptqFormat.GPTQ));
        assertTrue(e.getMessage().contains("channel 5") && e.getMessage().contains("gptq_v2"), e.getMessage());
        roundTrips(r, GptqFormat.GPTQ_V2);
    }

    @Test
    void refusesShapesAndWidthsTheLayoutCannotHold() {
        LayerResult odd = result(11, 48, 32, grid(4, Grid.SYM_MAXABS, 0), false);
        assertThrows(InvalidConfigException.class, () -> GptqLayer.pack("l.weight", odd, GptqFormat.GPTQ));
        LayerResult five = result(12, 32, 32, grid(5, Grid.SYM_MAXABS, 0), false);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> GptqLayer.pack("l.weight", five, GptqFormat.GPTQ));
        assertTrue(e.getMessage().contains("2, 3, 4 or 8"), e.getMessage());
    }
}
