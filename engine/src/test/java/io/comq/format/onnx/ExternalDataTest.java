package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.comq.error.InvalidModelException;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weights in an external data file: reading, safety of locations, inline and external output. */
class ExternalDataTest {
    @TempDir
    Path dir;

    static final GridSpec SPEC = OnGrid.spec(8, Grid.SYM_MAXABS, 0);

    /** X (2,64) -> MatMul W1 (external, at offset 64 of {@code location}) -> MatMul W2 (inline) -> Y. */
    static ModelProto model(Path dir, String location, float[] w1, float[] w2) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64 + 4 * w1.length).order(ByteOrder.LITTLE_ENDIAN);
        b.position(64);
        for (float f : w1) {
            b.putFloat(f);
        }
        Files.write(dir.resolve("weights.bin"), b.array());
        TensorProto ext = TensorProto.newBuilder().setName("W1").addDims(64).addDims(64)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("64"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("" + 4 * w1.length))
                .build();
        return new Graph().input("X", 2, 64).output("Y").initializer(ext).initializer("W2", w2, 64, 64)
                .node("MatMul", "fc1", List.of("X", "W1"), List.of("H"))
                .node("MatMul", "fc2", List.of("H", "W2"), List.of("Y")).model(13);
    }

    @Test
    void readsQuantizesAndWritesExternalWeightsInlineOrBesideTheModel() throws Exception {
        Random rnd = new Random(4);
        float[] w1 = OnGrid.weights(rnd, 64, 64, SPEC);
        float[] w2 = OnGrid.random(rnd, 64 * 64);
        Path src = dir.resolve("m.onnx");
        Files.write(src, model(dir, "weights.bin", w1, w2).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        List<OnnxLayer> ls = m.layers(LayerSelection.parse(List.of("^W2$"), List.of(), List.of()));
        assertEquals(1, ls.size());
        assertEquals("fc1", ls.get(0).id());
        assertEquals(w1[5 * 64 + 7], (float) m.weights(ls.get(0)).get(0).get(5, 7));
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, ls, SPEC);
        float[] x = OnGrid.random(rnd, 128);
        float[] expected = new Ort().input("X", x, 2, 64).run(src);

        // small: everything inline, no external data left
        Path inline = dir.resolve("inline.onnx");
        WriteReport r1 = new OnnxWriter().write(m, rs, inline, WriteOptions.of(QuantFormat.QDQ));
        assertNull(r1.externalData());
        for (TensorProto t : OnnxModel.load(inline).proto().getGraph().getInitializerList()) {
            assertTrue(t.getExternalDataCount() == 0 && t.hasRawData(), t.getName());
        }
        Ort.assertClose(expected, new Ort().input("X", x, 2, 64).run(inline), "inline");

        // over the threshold: tensors of 1 KB and more go to ext.onnx.data beside the model
        Path sub = Files.createDirectory(dir.resolve("out"));
        Path external = sub.resolve("ext.onnx");
        WriteReport r2 = new OnnxWriter().write(m, rs, external,
                WriteOptions.of(QuantFormat.QDQ).withExternalDataThreshold(0));
        assertEquals(sub.resolve("ext.onnx.data").toAbsolutePath(), r2.externalData());
        OnnxModel back = OnnxModel.load(external);
        int moved = 0;
        for (TensorProto t : back.proto().getGraph().getInitializerList()) {
            if (ExternalData.isExternal(t)) {
                assertEquals("ext.onnx.data", ExternalData.entry(t, "location"));
                moved++;
            }
        }
        assertEquals(2, moved, "W2 (16 KB) and W1's int8 codes (4 KB)");
        assertArrayEquals(toDoubles(w2), back.tensor("", "W2").values());
        assertEquals(Set.of("ext.onnx", "ext.onnx.data"), Set.of(sub.toFile().list()), "no temporary files left");
        Ort.assertClose(expected, new Ort().input("X", x, 2, 64).run(external), "external");
    }

    @Test
    void externalTensorsLeftInFloatAreCopiedFileToFileIntoTheNewDataFile() throws Exception {
        Random rnd = new Random(8);
        float[] w1 = OnGrid.random(rnd, 64 * 64);
        Path src = dir.resolve("m.onnx");
        Files.write(src, model(dir, "weights.bin", w1, OnGrid.weights(rnd, 64, 64, SPEC)).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        List<OnnxLayer> ls = m.layers(LayerSelection.parse(List.of("^fc1$"), List.of(), List.of()));
        assertEquals("fc2", ls.get(0).id());
        Path sub = Files.createDirectory(dir.resolve("copy"));
        Path out = sub.resolve("q.onnx");
        WriteReport r = new OnnxWriter().write(m, Rtn.quantize(m, ls, SPEC), out,
                WriteOptions.of(QuantFormat.QDQ).withExternalDataThreshold(0));
        OnnxModel back = OnnxModel.load(out);
        TensorProto w1t = back.proto().getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("W1")).findFirst().orElseThrow();
        assertEquals("q.onnx.data", ExternalData.entry(w1t, "location"));
        assertEquals("0", ExternalData.entry(w1t, "offset"), "the float tensor comes first, copied whole");
        assertArrayEquals(toDoubles(w1), back.tensor("", "W1").values());
        assertEquals(Files.size(r.externalData()), 4L * 64 * 64 + 64 * 64, "W1 in float, then W2's int8 codes");
    }

    @Test
    void largeExternalTensorsAreMemoryMappedAndDecodedInPlace() throws Exception {
        int rows = 2048;
        int cols = (int) (ExternalData.MAP_MIN_BYTES / 4 / rows);
        ByteBuffer b = ByteBuffer.allocate(4 * rows * cols + 12).order(ByteOrder.LITTLE_ENDIAN);
        b.position(12);
        for (int k = 0; k < rows * cols; k++) {
            b.putFloat(k % 1000 - 500.25f);
        }
        Files.write(dir.resolve("big.bin"), b.array());
        TensorProto big = TensorProto.newBuilder().setName("Wbig").addDims(rows).addDims(cols)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("big.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("12"))
                .build();
        ModelProto m = new Graph().input("X", 1, rows).output("Y").initializer(big)
                .node("MatMul", "fc", List.of("X", "Wbig"), List.of("Y")).model(13);
        ByteBuffer mapped = new ExternalData(dir).read(big, 4L * rows * cols);
        assertTrue(mapped instanceof java.nio.MappedByteBuffer, "a 16 MiB tensor is mapped, not read");
        double[] v = OnnxModel.of(m, dir).tensor("", "Wbig").values();
        assertEquals(rows * cols, v.length);
        for (int k : new int[] {0, 1, 999, 1000, rows * cols - 1}) {
            assertEquals(k % 1000 - 500.25, v[k], 0, "element " + k);
        }
        assertTrue(!(new ExternalData(dir).read(ExternalDataTest.smallTensor(), 16) instanceof
                java.nio.MappedByteBuffer), "a small tensor is read");
    }

    static TensorProto smallTensor() {
        return TensorProto.newBuilder().setName("small").addDims(4).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("big.bin"))
                .build();
    }

    @Test
    void refusesLocationsOutsideTheModelFolder() throws Exception {
        Random rnd = new Random(5);
        Path inner = Files.createDirectory(dir.resolve("model"));
        for (String location : new String[] {"../weights.bin", "/etc/passwd", "sub/../../weights.bin"}) {
            Path src = inner.resolve("m.onnx");
            Files.write(src, model(dir, location, OnGrid.weights(rnd, 64, 64, SPEC), OnGrid.random(rnd, 4096))
                    .toByteArray());
            OnnxModel m = OnnxModel.load(src);
            OnnxLayer fc1 = m.layers(LayerSelection.all()).get(0);
            InvalidModelException e = assertThrows(InvalidModelException.class, () -> m.weights(fc1), location);
            assertTrue(e.getMessage().contains("outside the model's folder"), e.getMessage());
        }
    }

    @Test
    void refusesExternalDataShorterThanDeclared() throws Exception {
        Random rnd = new Random(6);
        Path src = dir.resolve("m.onnx");
        Files.write(src, model(dir, "weights.bin", OnGrid.weights(rnd, 64, 64, SPEC), OnGrid.random(rnd, 4096))
                .toByteArray());
        Files.write(dir.resolve("weights.bin"), new byte[100]);
        OnnxModel m = OnnxModel.load(src);
        OnnxLayer fc1 = m.layers(LayerSelection.all()).get(0);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> m.weights(fc1));
        assertTrue(e.getMessage().contains("has only 100"), e.getMessage());
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int k = 0; k < f.length; k++) {
            d[k] = f[k];
        }
        return d;
    }
}
