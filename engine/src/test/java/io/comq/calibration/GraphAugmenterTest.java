package io.comq.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.comq.error.InvalidModelException;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GraphAugmenterTest {

    private static final OnnxMl.ModelProto MODEL = TinyGraphs.maskedMatMul(new float[12], 4, 3);

    private static List<String> outputs(OnnxMl.ModelProto m) {
        return m.getGraph().getOutputList().stream().map(OnnxMl.ValueInfoProto::getName).collect(Collectors.toList());
    }

    @Test
    void addsUnknownTensorsByNameAsFloatAndKnownOnesWithTheirType() {
        OnnxMl.ValueInfoProto known = TinyGraphs.value("mask3", TinyGraphs.FLOAT, -1, -1, 1);
        OnnxMl.ModelProto withInfo = MODEL.toBuilder().setGraph(MODEL.getGraph().toBuilder().addValueInfo(known)).build();
        OnnxMl.ModelProto m = GraphAugmenter.augment(withInfo, List.of("act", "mask3", "y", "x", "act"));
        assertEquals(List.of("y", "act", "mask3"), outputs(m), "original outputs first, graph inputs and repeats skipped");
        OnnxMl.ValueInfoProto act = m.getGraph().getOutput(1);
        assertEquals(TinyGraphs.FLOAT, act.getType().getTensorType().getElemType());
        assertTrue(!act.getType().getTensorType().hasShape(), "shape left to ONNX Runtime");
        assertEquals(known, m.getGraph().getOutput(2));
        assertEquals(MODEL.getGraph().getNodeList(), m.getGraph().getNodeList(), "nodes untouched");
        assertEquals(List.of("y"), outputs(MODEL), "the input model is not changed");
    }

    @Test
    void refusesUnknownTensorsAndKeepsExternalDataReferenced() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> GraphAugmenter.augment(MODEL, List.of("nope")));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        OnnxMl.TensorProto ext = OnnxMl.TensorProto.newBuilder().setName("W2").setDataType(TinyGraphs.FLOAT)
                .addDims(1).setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL).build();
        OnnxMl.ModelProto withExt = MODEL.toBuilder().setGraph(MODEL.getGraph().toBuilder().addInitializer(ext)).build();
        OnnxMl.ModelProto m = GraphAugmenter.augment(withExt, List.of("act"));
        assertEquals(ext, m.getGraph().getInitializer(m.getGraph().getInitializerCount() - 1),
                "external tensors stay where they are; ONNX Runtime is told their folder");
        assertTrue(OrtModels.hasExternalData(m.getGraph()));
        assertTrue(!OrtModels.hasExternalData(MODEL.getGraph()));
    }
}
