package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bias correction {@code b_c} must add exactly {@code b_c[j]} to output channel j: folded into Gemm's C (divided by
 * beta) or Conv's B, a new bias input, or an Add node after MatMul / MatMulNBits.
 */
class BiasCorrectionTest {
    @TempDir
    Path dir;

    static final GridSpec SPEC = OnGrid.spec(4, Grid.SYM_MAXABS, 0);

    static ModelProto model(String kind) {
        Random rnd = new Random(31);
        float[] w = OnGrid.weights(rnd, 16, 8, SPEC);
        float[] wt = OnGrid.outIn(new float[][] {w}, 16, 8);
        Graph g = new Graph().output("Y");
        switch (kind) {
            case "matmul":
                return g.input("X", 2, 16).initializer("W", w, 16, 8)
                        .node("MatMul", "l", List.of("X", "W"), List.of("Y")).model(13);
            case "gemm-c":
                return g.input("X", 2, 16).initializer("W", wt, 8, 16).initializer("C", OnGrid.random(rnd, 8), 1, 8)
                        .node("Gemm", "l", List.of("X", "W", "C"), List.of("Y"), Graph.i("transB", 1),
                                Graph.f("beta", 0.5f)).model(13);
            case "gemm":
                return g.input("X", 2, 16).initializer("W", w, 16, 8)
                        .node("Gemm", "l", List.of("X", "W"), List.of("Y"), Graph.f("beta", 2f)).model(13);
            case "conv-b":
                return g.input("X", 1, 4, 5, 5).initializer("W", OnGrid.outIn(new float[][] {
                    OnGrid.weights(rnd, 2 * 9, 4, SPEC), OnGrid.weights(rnd, 2 * 9, 4, SPEC)}, 18, 4), 8, 2, 3, 3)
                        .initializer("B", OnGrid.random(rnd, 8), 8)
                        .node("Conv", "l", List.of("X", "W", "B"), List.of("Y"), Graph.i("group", 2)).model(13);
            default:
                return g.input("X", 1, 4, 5, 5).initializer("W", OnGrid.outIn(new float[][] {
                    OnGrid.weights(rnd, 36, 8, SPEC)}, 36, 8), 8, 4, 3, 3)
                        .node("Conv", "l", List.of("X", "W"), List.of("Y")).model(13);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"matmul, qdq, Add node, 1", "matmul, matmulnbits, Add node, 1", "gemm-c, qdq, folded into C, 0",
        "gemm, qdq, new bias input, 0", "conv-b, qdq, folded into B, 0", "conv, qdq, new bias input, 0"})
    void biasCorrectionShiftsEachOutputChannel(String kind, String format, String how, int adds) throws Exception {
        Path src = dir.resolve("m.onnx");
        Files.write(src, model(kind).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        OnnxLayer layer = m.layers(LayerSelection.all()).get(0);
        List<LayerResult> rs = Rtn.quantize(m, List.of(layer), SPEC).get(layer);
        Random rnd = new Random(3);
        double[] bc = new double[layer.outputChannels()];
        List<LayerResult> withBias = new ArrayList<>();
        for (int g = 0; g < rs.size(); g++) {
            double[] b = new double[layer.out()];
            for (int j = 0; j < b.length; j++) {
                b[j] = Math.scalb((double) rnd.nextInt(64) - 32, -4);
                bc[g * layer.out() + j] = b[j];
            }
            withBias.add(Rtn.withBias(rs.get(g), b));
        }
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, Map.of(layer, withBias), out,
                WriteOptions.of(QuantFormat.parse(format)));
        assertEquals(how, rep.layers().get(0).biasFolded(), rep.toString());
        assertEquals(adds, Rtn.ops(OnnxModel.load(out).proto()).getOrDefault("Add", 0));

        boolean conv = kind.startsWith("conv");
        long[] shape = conv ? new long[] {1, 4, 5, 5} : new long[] {2, 16};
        float[] x = OnGrid.random(new Random(4), conv ? 100 : 32);
        float[] y = new Ort().input("X", x, shape).run(src);
        float[] yq = new Ort().input("X", x, shape).run(out);
        float[] expected = y.clone();
        int channels = bc.length;
        int spatial = conv ? y.length / channels : 1;
        for (int k = 0; k < y.length; k++) {
            int channel = conv ? k / spatial % channels : k % channels;
            expected[k] += (float) bc[channel];
        }
        Ort.assertClose(expected, yq, kind + " " + format);
    }
}
