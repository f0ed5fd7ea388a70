package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ONNX Runtime's MatMulNBits for MatMul layers; Gemm and layers over 4 bits fall back to QDQ. */
class MatMulNBitsTest {
    @TempDir
    Path dir;

    /** X (3,64) -> MatMul W1 (64,48) -> MatMul W2 (48,16) -> Gemm W3 (16,8) -> Y. */
    static ModelProto model(GridSpec spec) {
        Random rnd = new Random(8);
        return new Graph().input("X", 3, 64).output("Y")
                .initializer("W1", OnGrid.weights(rnd, 64, 48, spec), 64, 48)
                .initializer("W2", OnGrid.weights(rnd, 48, 16, spec), 48, 16)
                .initializer("W3", OnGrid.weights(rnd, 16, 8, spec), 16, 8)
                .node("MatMul", "fc1", List.of("X", "W1"), List.of("H1"))
                .node("MatMul", "fc2", List.of("H1", "W2"), List.of("H2"))
                .node("Gemm", "fc3", List.of("H2", "W3"), List.of("Y")).model(13);
    }

    @ParameterizedTest(name = "{0}-bit {1} group {2}")
    @CsvSource({"4, sym-maxabs, 16, 2, 3", "4, asym-minmax, 16, 2, 4", "4, sym-maxabs, 0, 2, 3",
        "3, sym-restricted, 16, 2, 3", "8, sym-maxabs, 16, 0, 0"})
    void matMulLayersBecomeMatMulNBitsAndComputeWhatTheOriginalComputes(int bits, String grid, int group,
                                                                         int nbits, int inputs) throws Exception {
        GridSpec spec = OnGrid.spec(bits, Grid.parse(grid), group);
        Path src = dir.resolve("m.onnx");
        Files.write(src, model(spec).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), spec);
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.MATMULNBITS));

        ModelProto q = OnnxModel.load(out).proto();
        Map<String, Integer> ops = Rtn.ops(q);
        assertEquals(nbits, ops.getOrDefault("MatMulNBits", 0));
        assertEquals(2 - nbits, ops.getOrDefault("MatMul", 0));
        assertEquals(3 - nbits, ops.getOrDefault("DequantizeLinear", 0), "the rest is QDQ");
        for (NodeProto n : q.getGraph().getNodeList()) {
            if (n.getOpType().equals("MatMulNBits")) {
                assertEquals("com.microsoft", n.getDomain());
                assertEquals(inputs, n.getInputCount(), "zero points only when a block needs one other than 8");
                assertEquals(4, NodeAttributes.getInt(n, "bits", 0));
                long k = NodeAttributes.getInt(n, "K", 0);
                long bs = NodeAttributes.getInt(n, "block_size", 0);
                assertEquals(group > 0 ? group : 32, bs);
                long nb = (k + bs - 1) / bs;
                long nOut = NodeAttributes.getInt(n, "N", 0);
                List<Long> bDims = q.getGraph().getInitializerList().stream()
                        .filter(t -> t.getName().equals(n.getInput(1))).findFirst().orElseThrow().getDimsList();
                assertEquals(List.of(nOut, nb, bs / 2), bDims);
            }
        }
        if (nbits > 0) {
            assertTrue(q.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals("com.microsoft")));
            assertTrue(rep.layers().get(0).representation().startsWith("MatMulNBits"), rep.toString());
            assertTrue(rep.layers().get(2).representation().startsWith("qdq"), rep.toString());
        }

        float[] x = OnGrid.random(new Random(9), 3 * 64);
        Ort.assertClose(new Ort().input("X", x, 3, 64).run(src), new Ort().input("X", x, 3, 64).run(out),
                spec.toString());
    }
}
