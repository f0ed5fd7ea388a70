package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MatMul and Gemm (transB 0 and 1): discovery, RTN, QDQ in int8/int4/uint4 per-channel and blocked, ORT outputs. */
class LinearLayersTest {
    @TempDir
    Path dir;

    /** X (4,16) -> MatMul W1 (16,32) -> Gemm W2 (32,24) + C2 -> Gemm transB W3 (8,24) alpha 0.5 -> Y (4,8). */
    static ModelProto model(GridSpec spec, long seed) {
        Random rnd = new Random(seed);
        float[] w1 = OnGrid.weights(rnd, 16, 32, spec);
        float[] w2 = OnGrid.weights(rnd, 32, 24, spec);
        float[] w3 = OnGrid.outIn(new float[][] {OnGrid.weights(rnd, 24, 8, spec)}, 24, 8);
        return new Graph().input("X", 4, 16).output("Y")
                .initializer("W1", w1, 16, 32).initializer("W2", w2, 32, 24).initializer("C2", OnGrid.random(rnd, 24), 24)
                .initializer("W3", w3, 8, 24)
                .node("MatMul", "fc1", List.of("X", "W1"), List.of("Y1"))
                .node("Gemm", "fc2", List.of("Y1", "W2", "C2"), List.of("Y2"))
                .node("Gemm", "fc3", List.of("Y2", "W3"), List.of("Y"), Graph.i("transB", 1), Graph.f("alpha", 0.5f))
                .model(13);
    }

    static Path save(ModelProto m, Path file) throws Exception {
        Files.write(file, m.toByteArray());
        return file;
    }

    @Test
    void discoversMatMulAndGemmWithTheirEngineShapes() throws Exception {
        OnnxModel m = OnnxModel.load(save(model(OnGrid.spec(8, Grid.SYM_MAXABS, 0), 1), dir.resolve("m.onnx")));
        List<OnnxLayer> ls = m.layers(LayerSelection.all());
        assertEquals(List.of("fc1", "fc2", "fc3"), ls.stream().map(OnnxLayer::id).collect(Collectors.toList()));
        OnnxLayer fc1 = ls.get(0);
        assertEquals("X", fc1.inputName());
        assertEquals("W1", fc1.weightName());
        assertNull(fc1.biasName());
        assertEquals(16, fc1.in());
        assertEquals(32, fc1.out());
        assertEquals(WeightLayout.IN_OUT, fc1.layout());
        OnnxLayer fc2 = ls.get(1);
        assertEquals("C2", fc2.biasName());
        assertEquals("Y1", fc2.inputName());
        assertEquals(WeightLayout.IN_OUT, fc2.layout());
        OnnxLayer fc3 = ls.get(2);
        assertEquals(24, fc3.in());
        assertEquals(8, fc3.out());
        assertEquals(WeightLayout.OUT_IN, fc3.layout());
        assertEquals(List.of(8L, 24L), fc3.weightShape());
        // W = B^T for transB = 1: W[i][j] = B[j][i]
        TensorProto b = m.proto().getGraph().getInitializer(3);
        DenseTensor stored = TensorCodec.decode(b, null);
        io.comq.tensor.Matrix w = m.weights(fc3).get(0);
        assertEquals(stored.values()[5 * 24 + 7], w.get(7, 5));
    }

    @ParameterizedTest(name = "{0}-bit {1} group {2}")
    @CsvSource({"8, sym-maxabs, 0, INT8, 13", "4, sym-maxabs, 0, INT4, 21", "4, sym-maxabs, 8, INT4, 21",
        "4, asym-minmax, 8, UINT4, 21", "8, asym-minmax, 0, UINT8, 13", "3, sym-restricted, 8, INT4, 21",
        "8, sym-maxabs, 8, INT8, 21"})
    void qdqModelComputesWhatTheOriginalComputes(int bits, String grid, int group, String type, long opset)
            throws Exception {
        GridSpec spec = OnGrid.spec(bits, Grid.parse(grid), group);
        Path src = save(model(spec, 7), dir.resolve("m.onnx"));
        OnnxModel m = OnnxModel.load(src);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), spec);
        for (List<LayerResult> r : rs.values()) {
            assertEquals(0.0, r.get(0).relError(), 1e-12, "weights are on the grid");
        }
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));

        assertNull(rep.externalData());
        assertEquals(opset, rep.opset());
        ModelProto q = OnnxModel.load(out).proto();
        assertEquals(opset, q.getOpsetImport(0).getVersion());
        assertEquals(Map.of("DequantizeLinear", 3, "MatMul", 1, "Gemm", 2), Rtn.ops(q));
        Set<String> inits = q.getGraph().getInitializerList().stream().map(TensorProto::getName)
                .collect(Collectors.toSet());
        assertFalse(inits.contains("W1") || inits.contains("W2") || inits.contains("W3"), inits.toString());
        assertTrue(inits.contains("C2"));
        for (TensorProto t : q.getGraph().getInitializerList()) {
            if (t.getName().endsWith("_quantized")) {
                assertEquals(DataType.valueOf(type).getNumber(), t.getDataType(), t.getName());
            }
        }
        assertEquals(3, rep.layers().size());

        float[] x = OnGrid.random(new Random(3), 4 * 16);
        float[] expected = new Ort().input("X", x, 4, 16).run(src);
        float[] actual = new Ort().input("X", x, 4, 16).run(out);
        Ort.assertClose(expected, actual, spec.toString());
    }
}
