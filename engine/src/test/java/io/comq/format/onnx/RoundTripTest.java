package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.UnknownFieldSet;
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

/** What the writer does not rewrite it carries over byte for byte. */
class RoundTripTest {
    @TempDir
    Path dir;

    static final GridSpec SPEC = OnGrid.spec(8, Grid.SYM_MAXABS, 0);

    static ModelProto model() {
        ModelProto m = LinearLayersTest.model(SPEC, 3);
        return m.toBuilder().setDocString("a test model").setModelVersion(7)
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("author").setValue("comq"))
                .setGraph(m.getGraph().toBuilder().addValueInfo(Graph.value("Y1", 1, 4, 32)))
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(999,
                        UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build())
                .build();
    }

    @Test
    void aSharedWeightStaysUntilNoNodeUsesItAndUnnamedNodesGetStableIds() throws Exception {
        Path src = dir.resolve("shared.onnx");
        Files.write(src, new Graph().input("X", 2, 8).output("Y").output("Z")
                .initializer("W", OnGrid.weights(new Random(1), 8, 8, SPEC), 8, 8)
                .node("MatMul", "", List.of("X", "W"), List.of("Y"))
                .node("MatMul", "", List.of("Y", "W"), List.of("Z")).model(13).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        List<OnnxLayer> ls = m.layers(LayerSelection.all());
        assertEquals(List.of("MatMul#0", "MatMul#1"), ls.stream().map(OnnxLayer::id).collect(Collectors.toList()));
        Path one = dir.resolve("one.onnx");
        new OnnxWriter().write(m, Rtn.quantize(m, ls.subList(0, 1), SPEC), one, WriteOptions.of(QuantFormat.QDQ));
        assertTrue(OnnxModel.load(one).proto().getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getName().equals("W")), "still used by the second MatMul");
        Path both = dir.resolve("both.onnx");
        new OnnxWriter().write(m, Rtn.quantize(m, ls, SPEC), both, WriteOptions.of(QuantFormat.QDQ));
        ModelProto q = OnnxModel.load(both).proto();
        assertTrue(q.getGraph().getInitializerList().stream().noneMatch(t -> t.getName().equals("W")));
        assertEquals(2, Rtn.ops(q).get("DequantizeLinear"));
        float[] x = OnGrid.random(new Random(2), 16);
        List<float[]> expected = new Ort().input("X", x, 2, 8).runAll(src);
        for (Path p : List.of(one, both)) {
            List<float[]> actual = new Ort().input("X", x, 2, 8).runAll(p);
            Ort.assertClose(expected.get(0), actual.get(0), p + " Y");
            Ort.assertClose(expected.get(1), actual.get(1), p + " Z");
        }
    }

    @Test
    void nothingToQuantizeWritesTheSameBytes() throws Exception {
        Path src = dir.resolve("m.onnx");
        Files.write(src, model().toByteArray());
        Path out = dir.resolve("same.onnx");
        new OnnxWriter().write(OnnxModel.load(src), Map.of(), out, WriteOptions.of(QuantFormat.QDQ));
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out));
    }

    @Test
    void untouchedNodesInitializersAndMetadataKeepTheirBytes() throws Exception {
        Path src = dir.resolve("m.onnx");
        ModelProto original = model();
        Files.write(src, original.toByteArray());
        OnnxModel m = OnnxModel.load(src);
        OnnxLayer fc2 = m.layers(LayerSelection.all()).get(1);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, List.of(fc2), SPEC);
        Path out = dir.resolve("q.onnx");
        new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));
        ModelProto q = OnnxModel.load(out).proto();

        assertEquals(original.getUnknownFields(), q.getUnknownFields());
        assertEquals(original.getMetadataPropsList(), q.getMetadataPropsList());
        assertEquals(original.getDocString(), q.getDocString());
        assertEquals(original.getGraph().getInputList(), q.getGraph().getInputList());
        assertEquals(original.getGraph().getOutputList(), q.getGraph().getOutputList());
        assertEquals(original.getGraph().getValueInfoList(), q.getGraph().getValueInfoList());
        for (NodeProto n : original.getGraph().getNodeList()) {
            if (!n.getName().equals("fc2")) {
                assertTrue(q.getGraph().getNodeList().stream().anyMatch(o -> o.toByteString().equals(n.toByteString())),
                        n.getName() + " unchanged");
            }
        }
        Map<String, TensorProto> after = q.getGraph().getInitializerList().stream()
                .collect(Collectors.toMap(TensorProto::getName, t -> t));
        for (TensorProto t : original.getGraph().getInitializerList()) {
            if (!t.getName().equals("W2")) {
                assertEquals(t.toByteString(), after.get(t.getName()).toByteString(), t.getName());
            }
        }
        assertEquals(Set.of("W1", "C2", "W3", "W2_quantized", "W2_scale"), after.keySet());
    }
}
