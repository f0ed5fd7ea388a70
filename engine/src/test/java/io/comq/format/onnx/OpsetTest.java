package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.comq.error.InvalidModelException;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The opset is raised only as far as the written nodes need, and nodes whose op changed on the way are rewritten to
 * compute the same values (checked in ONNX Runtime, which runs the original at its own opset) or refused.
 */
class OpsetTest {
    @TempDir
    Path dir;

    /**
     * Opset 11: X (2,3,8) -> MatMul W -> H (2,3,4) -> Unsqueeze(axes) -> Squeeze(axes) -> Softmax(axis 1, flattening
     * the last two axes) -> ReduceMean(axes) -> R; Split(H, split=[3,1]) -> A, B; Split(S) in two -> ReduceSum(axes).
     */
    private OnnxModel oldModel(GridSpec spec) throws Exception {
        ModelProto m = new Graph().input("X", 2, 3, 8).output("R").output("B").output("Q")
                .initializer("W", OnGrid.weights(new Random(1), 8, 4, spec), 8, 4)
                .node("MatMul", "fc", List.of("X", "W"), List.of("H"))
                .node("Unsqueeze", "unsq", List.of("H"), List.of("H4"), Graph.ints("axes", 0L))
                .node("Squeeze", "sq", List.of("H4"), List.of("H3"), Graph.ints("axes", 0L))
                .node("Softmax", "softmax", List.of("H3"), List.of("S"))
                .node("ReduceMean", "mean", List.of("S"), List.of("R"), Graph.ints("axes", 2L))
                .node("Split", "split_sizes", List.of("H"), List.of("A", "B"), Graph.i("axis", 2),
                        Graph.ints("split", 3L, 1L))
                .node("Split", "split_even", List.of("S"), List.of("S1", "S2"), Graph.i("axis", 2))
                .node("Add", "add", List.of("S1", "S2"), List.of("P"))
                .node("ReduceSum", "sum", List.of("P"), List.of("Q"), Graph.ints("axes", 1L), Graph.i("keepdims", 0))
                .model(11);
        Path f = dir.resolve("old.onnx");
        Files.write(f, m.toByteArray());
        return OnnxModel.load(f);
    }

    @Test
    void opset11ModelIsCarriedToOpset21WithTheSameOutputs() throws Exception {
        GridSpec int4 = OnGrid.spec(4, Grid.SYM_MAXABS, 0);
        OnnxModel m = oldModel(int4);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), int4);
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));
        assertEquals(21, rep.opset());
        assertTrue(rep.opsetRaised());
        ModelProto q = OnnxModel.load(out).proto();
        assertEquals(21, q.getOpsetImport(0).getVersion());
        assertTrue(q.getIrVersion() >= 10);
        Map<String, Integer> ops = Rtn.ops(q);
        assertEquals(1, ops.get("Flatten"), "the opset-11 Softmax over axis 1 keeps its flattening meaning");
        float[] x = OnGrid.random(new Random(2), 48);
        List<float[]> expected = new Ort().input("X", x, 2, 3, 8).runAll(m.file());
        List<float[]> actual = new Ort().input("X", x, 2, 3, 8).runAll(out);
        for (int k = 0; k < 3; k++) {
            Ort.assertClose(expected.get(k), actual.get(k), "output " + k);
        }
    }

    @Test
    void int8PerChannelRaisesOnlyTo13() throws Exception {
        GridSpec int8 = OnGrid.spec(8, Grid.SYM_MAXABS, 0);
        OnnxModel m = oldModel(int8);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), int8);
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));
        assertEquals(13, rep.opset());
        assertEquals(13, OnnxModel.load(out).opset());
        float[] x = OnGrid.random(new Random(3), 48);
        List<float[]> expected = new Ort().input("X", x, 2, 3, 8).runAll(m.file());
        List<float[]> actual = new Ort().input("X", x, 2, 3, 8).runAll(out);
        for (int k = 0; k < 3; k++) {
            Ort.assertClose(expected.get(k), actual.get(k), "output " + k);
        }

        Path again = dir.resolve("again.onnx");
        OnnxModel q = OnnxModel.load(out);
        WriteReport second = new OnnxWriter().write(q, Map.of(), again, WriteOptions.of(QuantFormat.QDQ));
        assertFalse(second.opsetRaised(), "nothing to raise when the model already has the opset");
    }

    @Test
    void opsWithoutAnExactRewriteAreRefused() throws Exception {
        GridSpec int8 = OnGrid.spec(8, Grid.SYM_MAXABS, 0);
        Path f = dir.resolve("pad.onnx");
        Files.write(f, new Graph().input("X", 2, 8).output("Y")
                .initializer("W", OnGrid.weights(new Random(1), 8, 4, int8), 8, 4)
                .node("MatMul", "fc", List.of("X", "W"), List.of("H"))
                .node("Pad", "pad", List.of("H"), List.of("Y"), Graph.ints("pads", 0L, 1L, 0L, 1L)).model(10)
                .toByteArray());
        OnnxModel m = OnnxModel.load(f);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), int8);
        Path out = dir.resolve("q.onnx");
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ)));
        assertTrue(e.getMessage().contains("node pad (Pad) changed meaning in opset 11"), e.getMessage());
        assertTrue(Files.notExists(out));
    }
}
