package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import io.comq.tensor.Matrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Conv plain, grouped and depthwise: geometry, per-group weights, QDQ per-channel and blocked in ONNX Runtime. */
class ConvLayersTest {
    @TempDir
    Path dir;

    /**
     * X (1,4,9,9) -> conv1 plain (8,4,3,3) stride 2 pad 1 + bias -> conv2 grouped g=2 (8,4,3,3) dilation 2 pad 2
     * -> conv3 depthwise g=8 (8,1,3,3) pad 1 -> Y.
     */
    static ModelProto model(GridSpec spec, long seed) {
        Random rnd = new Random(seed);
        float[] w1 = OnGrid.outIn(new float[][] {OnGrid.weights(rnd, 36, 8, spec)}, 36, 8);
        float[] w2 = OnGrid.outIn(new float[][] {OnGrid.weights(rnd, 36, 4, spec), OnGrid.weights(rnd, 36, 4, spec)},
                36, 4);
        float[][] dw = new float[8][];
        for (int g = 0; g < 8; g++) {
            dw[g] = OnGrid.weights(rnd, 9, 1, spec);
        }
        float[] w3 = OnGrid.outIn(dw, 9, 1);
        return new Graph().input("X", 1, 4, 9, 9).output("Y")
                .initializer("W1", w1, 8, 4, 3, 3).initializer("B1", OnGrid.random(rnd, 8), 8)
                .initializer("W2", w2, 8, 4, 3, 3).initializer("W3", w3, 8, 1, 3, 3)
                .node("Conv", "conv1", List.of("X", "W1", "B1"), List.of("Y1"), Graph.ints("strides", 2L, 2L),
                        Graph.ints("pads", 1L, 1L, 1L, 1L))
                .node("Conv", "conv2", List.of("Y1", "W2"), List.of("Y2"), Graph.i("group", 2),
                        Graph.ints("dilations", 2L, 2L), Graph.ints("pads", 2L, 2L, 2L, 2L))
                .node("Conv", "conv3", List.of("Y2", "W3"), List.of("Y"), Graph.i("group", 8),
                        Graph.ints("pads", 1L, 1L, 1L, 1L))
                .model(13);
    }

    @Test
    void discoversGeometryAndOneProblemPerGroup() throws Exception {
        Path src = dir.resolve("c.onnx");
        Files.write(src, model(OnGrid.spec(8, Grid.SYM_MAXABS, 0), 1).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        List<OnnxLayer> ls = m.layers(LayerSelection.all());
        assertEquals(3, ls.size());
        OnnxLayer c1 = ls.get(0);
        assertEquals(36, c1.in());
        assertEquals(8, c1.out());
        assertEquals(1, c1.groups());
        assertEquals("B1", c1.biasName());
        assertEquals(List.of(2L, 2L), c1.conv().strides());
        assertEquals(List.of(1L, 1L, 1L, 1L), c1.conv().pads());
        assertEquals(List.of(1L, 1L), c1.conv().dilations());
        assertEquals(List.of(3L, 3L), c1.conv().kernelShape());
        assertEquals("NOTSET", c1.conv().autoPad());
        OnnxLayer c2 = ls.get(1);
        assertEquals(2, c2.groups());
        assertEquals(36, c2.in());
        assertEquals(4, c2.out());
        assertEquals(List.of(2L, 2L), c2.conv().dilations());
        OnnxLayer c3 = ls.get(2);
        assertEquals(8, c3.groups());
        assertEquals(9, c3.in());
        assertEquals(1, c3.out());
        assertTrue(c3.conv().depthwise(8));

        // group 1 of conv2 holds output channels 4..7, W_g[(c, y, x), j] = weight[4 + j, c, y, x]
        DenseTensor w2 = m.tensor("", "W2");
        List<Matrix> groups = m.weights(c2);
        assertEquals(2, groups.size());
        int c = 3;
        int y = 2;
        int x = 1;
        assertEquals(w2.values()[((4 + 2) * 4 + c) * 9 + y * 3 + x], groups.get(1).get(c * 9 + y * 3 + x, 2));
    }

    @ParameterizedTest(name = "{0}-bit {1} group {2}")
    @CsvSource({"8, sym-maxabs, 0", "4, sym-maxabs, 0", "4, sym-maxabs, 9", "4, asym-minmax, 9", "8, asym-minmax, 3"})
    void qdqConvolutionsComputeWhatTheOriginalComputes(int bits, String grid, int group) throws Exception {
        GridSpec spec = OnGrid.spec(bits, Grid.parse(grid), group);
        Path src = dir.resolve("c.onnx");
        Files.write(src, model(spec, 11).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), spec);
        Path out = dir.resolve("q.onnx");
        new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));

        Map<String, Integer> ops = Rtn.ops(OnnxModel.load(out).proto());
        assertEquals(3, ops.get("DequantizeLinear"));
        assertEquals(3, ops.get("Conv"));
        // blocked Conv weights are dequantized as (out, in) blocks and reshaped back to (out, in/g, kh, kw); a group
        // as large as the layer's input (9 for the depthwise conv) is per-channel and needs no reshape
        long blockedLayers = group == 0 ? 0 : rs.keySet().stream().filter(l -> l.in() / group > 1).count();
        assertEquals(blockedLayers, (long) ops.getOrDefault("Reshape", 0));

        float[] x = OnGrid.random(new Random(5), 4 * 81);
        Ort.assertClose(new Ort().input("X", x, 1, 4, 9, 9).run(src), new Ort().input("X", x, 1, 4, 9, 9).run(out),
                spec.toString());
    }
}
