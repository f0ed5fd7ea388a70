package io.comq.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.comq.error.InvalidModelException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ONNX discovery's layers as calibration targets: auto padding, and what calibration cannot read. */
class CalibrationTargetsTest {

    /** A conv of {@code reluConv} with its {@code pads} replaced by {@code auto_pad}. */
    private static OnnxMl.ModelProto autoPad(String mode) {
        ConvGeometry g = ConvGeometry.square(4, 1, 3, 1, 1, 0);
        OnnxMl.ModelProto m = TinyGraphs.reluConv(new float[2 * 4 * 9], 2, g, 6, 6);
        OnnxMl.GraphProto.Builder graph = m.getGraph().toBuilder();
        OnnxMl.NodeProto.Builder conv = graph.getNodeBuilder(1);
        for (int a = conv.getAttributeCount() - 1; a >= 0; a--) {
            if (conv.getAttribute(a).getName().equals("pads")) {
                conv.removeAttribute(a);
            }
        }
        conv.addAttribute(OnnxMl.AttributeProto.newBuilder().setName("auto_pad")
                .setType(OnnxMl.AttributeProto.AttributeType.STRING)
                .setS(com.google.protobuf.ByteString.copyFromUtf8(mode)));
        return m.toBuilder().setGraph(graph).build();
    }

    @Test
    void validPaddingIsNoPadding() {
        ConvGeometry valid = ConvGeometry.square(4, 1, 3, 1, 1, 0).withAutoPad(ConvGeometry.AutoPad.VALID);
        assertEquals(List.of(CalibrationTarget.conv("conv", "act", valid)), TinyGraphs.targets(autoPad("VALID")));
        assertEquals(ConvGeometry.square(4, 1, 3, 1, 1, 0), valid.forInput(6, 6));
    }

    @Test
    void samePaddingIsResolvedPerInputSize() {
        ConvGeometry g = TinyGraphs.targets(autoPad("SAME_UPPER")).get(0).conv();
        assertEquals(ConvGeometry.AutoPad.SAME_UPPER, g.autoPad());
        assertEquals(ConvGeometry.square(4, 1, 3, 1, 1, 1), g.forInput(6, 6));
    }

    @Test
    void unknownAutoPadIsRefused() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> TinyGraphs.targets(autoPad("SAME")));
        assertTrue(e.getMessage().contains("conv conv: unknown Conv auto_pad 'SAME'"), e.getMessage());
    }

    @Test
    void unnamedNodesAreNamedByOpTypeAndIndex() {
        OnnxMl.ModelProto m = TinyGraphs.gemmTransB(new float[3 * 5], 5, 3);
        assertEquals(List.of(CalibrationTarget.dense("Gemm#0", "x", 5)), TinyGraphs.targets(m));
    }
}
