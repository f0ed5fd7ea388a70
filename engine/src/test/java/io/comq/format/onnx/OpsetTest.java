package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.comq.error.InvalidModelException;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.quant.LayerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The opset is raised only as far as the written nodes need, and never past a change that breaks another node. */
class OpsetTest {
    @TempDir
    Path dir;

    /** X (2,8) -> MatMul W (8,4) -> ReduceMean(axes=[1] as attribute, valid before opset 18) -> Y. */
    private OnnxModel model(long opset, GridSpec spec) throws Exception {
        ModelProto m = new Graph().input("X", 2, 8).output("Y")
                .initializer("W", OnGrid.weights(new Random(1), 8, 4, spec), 8, 4)
                .node("MatMul", "fc", List.of("X", "W"), List.of("H"))
                .node("ReduceMean", "mean", List.of("H"), List.of("Y"), Graph.ints("axes", 1L)).model(opset);
        Path f = dir.resolve("m" + opset + ".onnx");
        Files.write(f, m.toByteArray());
        return OnnxModel.load(f);
    }

    @Test
    void int8PerChannelKeepsOpset13AndInt4RefusesToBreakReduceMean() throws Exception {
        GridSpec int8 = OnGrid.spec(8, Grid.SYM_MAXABS, 0);
        OnnxModel m = model(13, int8);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), int8);
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));
        assertEquals(13, rep.opset());
        assertFalse(rep.opsetRaised());
        float[] x = OnGrid.random(new Random(2), 16);
        Ort.assertClose(new Ort().input("X", x, 2, 8).run(m.file()), new Ort().input("X", x, 2, 8).run(out), "int8");

        GridSpec int4 = OnGrid.spec(4, Grid.SYM_MAXABS, 0);
        OnnxModel m4 = model(13, int4);
        Map<OnnxLayer, List<LayerResult>> rs4 = Rtn.quantize(m4, m4.layers(LayerSelection.all()), int4);
        Path out4 = dir.resolve("q4.onnx");
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> new OnnxWriter().write(m4, rs4, out4, WriteOptions.of(QuantFormat.QDQ)));
        assertTrue(e.getMessage().contains("node mean (ReduceMean) uses attribute 'axes', an input since opset 18"),
                e.getMessage());
        assertTrue(Files.notExists(out4));
    }

    @Test
    void anOldOpsetIsRaisedTo13ForPerAxisScales() throws Exception {
        GridSpec int8 = OnGrid.spec(8, Grid.SYM_MAXABS, 0);
        OnnxModel m = model(11, int8);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), int8);
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));
        assertEquals(13, rep.opset());
        assertTrue(rep.opsetRaised());
        assertEquals(13, OnnxModel.load(out).opset());
        float[] x = OnGrid.random(new Random(2), 16);
        Ort.assertClose(new Ort().input("X", x, 2, 8).run(m.file()), new Ort().input("X", x, 2, 8).run(out), "int8");
    }
}
