package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.comq.error.InvalidInputException;
import io.comq.error.InvalidModelException;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input gives an {@link InvalidModelException} (or {@link InvalidInputException}) with a clear line. */
class BadInputTest {
    @TempDir
    Path dir;

    static final GridSpec SPEC = OnGrid.spec(8, Grid.SYM_MAXABS, 0);

    private InvalidModelException loadFails(byte[] bytes, String expected) throws Exception {
        Path f = dir.resolve("bad.onnx");
        Files.write(f, bytes);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> OnnxModel.load(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "names the file: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void truncatedFile() throws Exception {
        byte[] ok = LinearLayersTest.model(SPEC, 1).toByteArray();
        loadFails(Arrays.copyOf(ok, ok.length / 2), "truncated");
        loadFails(Arrays.copyOf(ok, 3), "truncated");
    }

    @Test
    void notAnOnnxFile() throws Exception {
        byte[] random = new byte[4096];
        new Random(1).nextBytes(random);
        loadFails(random, "not an ONNX model");
        loadFails("hello, world\n".getBytes(StandardCharsets.UTF_8), "not an ONNX model");
        loadFails(new byte[0], "empty file");
    }

    @Test
    void modelOverTwoGigabytesIsRefusedBeforeReading() throws Exception {
        Path f = dir.resolve("huge.onnx");
        try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
            r.setLength(3L << 30); // sparse: no disk used
        }
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> OnnxModel.load(f));
        assertTrue(e.getMessage().contains("cannot exceed 2 GB, so save the model with its weights as external data"),
                e.getMessage());
    }

    @Test
    void missingFile() {
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> OnnxModel.load(dir.resolve("nope.onnx")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void modelWithoutAGraph() throws Exception {
        loadFails(ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build().toByteArray(), "no graph");
    }

    @Test
    void modelWithoutAQuantizableLayer() throws Exception {
        Path f = dir.resolve("relu.onnx");
        Files.write(f, new Graph().input("X", 2, 4).output("Y").node("Relu", "r", List.of("X"), List.of("Y"))
                .model(13).toByteArray());
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> OnnxModel.load(f).layers(LayerSelection.all()));
        assertTrue(e.getMessage().contains("no quantizable layer found: it has no MatMul, Gemm or Conv node"),
                e.getMessage());

        Files.write(f, new Graph().input("A", 2, 4).input("B", 4, 3).output("Y")
                .node("MatMul", "attention", List.of("A", "B"), List.of("Y")).model(13).toByteArray());
        e = assertThrows(InvalidModelException.class, () -> OnnxModel.load(f).layers(LayerSelection.all()));
        assertTrue(e.getMessage().contains("attention (MatMul): B (B) is not a constant"), e.getMessage());
    }

    @Test
    void resultsThatDoNotFitTheLayer() throws Exception {
        Path f = dir.resolve("m.onnx");
        Files.write(f, LinearLayersTest.model(SPEC, 1).toByteArray());
        OnnxModel m = OnnxModel.load(f);
        List<OnnxLayer> ls = m.layers(LayerSelection.all());
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, ls, SPEC);
        Path out = dir.resolve("q.onnx");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new OnnxWriter().write(m,
                Map.of(ls.get(0), rs.get(ls.get(1))), out, WriteOptions.of(QuantFormat.QDQ)));
        assertTrue(e.getMessage().contains("layer fc1 has W of shape (16, 32)"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new OnnxWriter().write(m,
                Map.of(ls.get(0), List.of()), out, WriteOptions.of(QuantFormat.QDQ)));
        assertTrue(e.getMessage().contains("has 1 group(s) but 0 result(s)"), e.getMessage());
        OnnxLayer foreign = new OnnxLayer("", 0, "fc1", "MatMul", "other", "X", null, 16, 32, 1,
                WeightLayout.IN_OUT, List.of(16L, 32L), ls.get(0).weightType(), null);
        e = assertThrows(InvalidInputException.class, () -> new OnnxWriter().write(m,
                Map.of(foreign, rs.get(ls.get(0))), out, WriteOptions.of(QuantFormat.QDQ)));
        assertTrue(e.getMessage().contains("is not a layer of this model"), e.getMessage());
        assertTrue(Files.notExists(out), "nothing written on failure");
    }
}
