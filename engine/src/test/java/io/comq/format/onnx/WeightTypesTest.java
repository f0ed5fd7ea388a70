package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import io.comq.tensor.Matrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FLOAT16 and DOUBLE weights: read exactly, written with float16 scales or a Cast back to double. */
class WeightTypesTest {
    @TempDir
    Path dir;

    /** X (float) -> Cast(type) -> MatMul W (type) -> Cast(float) -> Y. */
    static ModelProto model(DataType type, GridSpec spec, long opset) {
        float[] w = OnGrid.weights(new Random(3), 16, 8, spec);
        double[] d = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            d[k] = w[k];
        }
        TensorProto wt = TensorCodec.floats("W", new long[] {16, 8}, d, type.getNumber());
        return new Graph().input("X", 2, 16).output("Y").initializer(wt)
                .node("Cast", "in", List.of("X"), List.of("Xt"), Graph.i("to", type.getNumber()))
                .node("MatMul", "fc", List.of("Xt", "W"), List.of("H"))
                .node("Cast", "out", List.of("H"), List.of("Y"), Graph.i("to", DataType.FLOAT_VALUE)).model(opset);
    }

    @ParameterizedTest(name = "{0} {1}-bit")
    @CsvSource({"FLOAT16, 8, 19, F32", "FLOAT16, 4, 21, F32", "DOUBLE, 8, 13, F64",
        "DOUBLE, 4, 21, F64"})
    void quantizedWeightsKeepTheModelsPrecision(String type, int bits, long opset, String matrix) throws Exception {
        GridSpec spec = OnGrid.spec(bits, Grid.SYM_MAXABS, 0);
        Path src = dir.resolve("m.onnx");
        Files.write(src, model(DataType.valueOf(type), spec, 13).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        OnnxLayer fc = m.layers(LayerSelection.all()).get(0);
        assertEquals(DataType.valueOf(type), fc.weightType());
        Matrix w = m.weights(fc).get(0);
        assertEquals(matrix, w.getClass().getSimpleName());
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, List.of(fc), spec);
        assertEquals(0.0, rs.get(fc).get(0).relError(), 0.0, "float16 and double weights read exactly");
        Path out = dir.resolve("q.onnx");
        WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(QuantFormat.QDQ));
        assertEquals(opset, rep.opset());
        assertEquals(type.equals("DOUBLE") ? 3 : 2, Rtn.ops(OnnxModel.load(out).proto()).get("Cast"));
        float[] x = OnGrid.random(new Random(4), 32);
        Ort.assertClose(new Ort().input("X", x, 2, 16).run(src), new Ort().input("X", x, 2, 16).run(out), type);
    }
}
