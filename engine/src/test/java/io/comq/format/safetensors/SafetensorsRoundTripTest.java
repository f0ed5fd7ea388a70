package io.comq.format.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.comq.error.InvalidInputException;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> allDtypes() {
        Random r = new Random(7);
        Map<String, Tensor> m = new LinkedHashMap<>();
        float[] f = new float[15];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) r.nextGaussian();
        }
        m.put("w.f32", Tensor.f32(new int[] {3, 5}, f));
        m.put("w.f64", new Tensor(DType.F64, new int[] {2, 2}, new double[] {1e-300, -2.5, Math.PI, 0}));
        m.put("w.f16", Tensor.f16(new int[] {2, 3}, new short[] {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0, 0x3555}));
        m.put("w.bf16", new Tensor(DType.BF16, new int[] {3}, new short[] {0x3F80, (short) 0xBF80, 0x4049}));
        m.put("ids.i64", new Tensor(DType.I64, new int[] {2}, new long[] {Long.MIN_VALUE, 1L << 40}));
        m.put("ids.i32", Tensor.i32(new int[] {1, 3}, new int[] {-1, 0, Integer.MAX_VALUE}));
        m.put("q.i8", new Tensor(DType.I8, new int[] {4}, new byte[] {-128, -1, 0, 127}));
        m.put("q.u8", new Tensor(DType.U8, new int[] {2, 2}, new byte[] {0, 1, (byte) 200, (byte) 255}));
        m.put("scalar", Tensor.f32(new int[] {}, new float[] {42f}));
        m.put("empty", Tensor.f32(new int[] {0, 4}, new float[0]));
        return m;
    }

    @Test
    void everyDtypeRoundTripsWithMetadata() {
        Path p = dir.resolve("all.safetensors");
        Map<String, Tensor> in = allDtypes();
        SafetensorsWriter.write(p, in, Map.of("format", "pt", "note", "<ünïcode & \"quotes\">"));
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(List.copyOf(in.keySet()), f.names());
        assertEquals(Map.of("format", "pt", "note", "<ünïcode & \"quotes\">"), f.metadata());
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            assertEquals(e.getValue(), f.read(e.getKey()), e.getKey());
        }
    }

    @Test
    void headerIsPaddedToEightBytesAndLaidOutAsTheSpecSays() throws IOException {
        Path p = dir.resolve("one.safetensors");
        SafetensorsWriter.write(p, Map.of("a", Tensor.f32(new int[] {2}, new float[] {1f, -2f})), Map.of("format", "pt"));
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data section starts on an 8-byte boundary");
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                header.stripTrailing());
        assertArrayEquals(Raw.floats(1f, -2f), Arrays.copyOfRange(b, (int) (8 + n), b.length));
    }

    @Test
    void readsAFileWrittenByHandFromTheSpec() throws IOException {
        Path p = Raw.file(dir.resolve("hand.safetensors"),
                "{\"b\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[8,16]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]}}",
                Raw.floats(1f, 2f, 3f, 4f));
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(List.of("b", "a"), f.names(), "header order is kept");
        assertEquals(new Matrix.F32(2, 1, new float[] {1f, 2f}), f.readMatrix("a"));
        assertEquals(new Matrix.F32(1, 2, new float[] {3f, 4f}), f.readMatrix("b"));
        assertEquals(Map.of(), f.metadata());
    }

    @Test
    void halfAndBfloatMatricesBecomeExactFloat32() {
        Path p = dir.resolve("h.safetensors");
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("h", Tensor.f16(new int[] {1, 3}, new short[] {0x3C00, (short) 0xC000, 0x0001}));
        m.put("b", new Tensor(DType.BF16, new int[] {1, 2}, new short[] {0x3F80, 0x4049}));
        SafetensorsWriter.write(p, m, Map.of());
        SafetensorsFile f = SafetensorsFile.open(p);
        Matrix h = f.readMatrix("h");
        assertInstanceOf(Matrix.F32.class, h);
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f}, ((Matrix.F32) h).data());
        assertArrayEquals(new float[] {1f, Float.intBitsToFloat(0x40490000)}, ((Matrix.F32) f.readMatrix("b")).data());
    }

    @Test
    void chunkedMappingReadsTheSameAsOneMapping() {
        Path p = dir.resolve("all.safetensors");
        Map<String, Tensor> in = allDtypes();
        SafetensorsWriter.write(p, in, Map.of());
        SafetensorsFile small = SafetensorsFile.open(p, 8);
        for (Map.Entry<String, Tensor> e : in.entrySet()) {
            assertEquals(e.getValue(), small.read(e.getKey()), e.getKey());
        }
    }

    @Test
    void copiedEntriesKeepTheirBytes() throws IOException {
        Path a = dir.resolve("a.safetensors");
        SafetensorsWriter.write(a, allDtypes(), Map.of());
        SafetensorsFile src = SafetensorsFile.open(a, 16);
        Path b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(b, src.names().stream().map(n -> SafetensorsWriter.Entry.copy(src, n)).toList(),
                Map.of());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void writeIsAtomicAndLeavesNothingOnFailure() throws IOException {
        Path p = dir.resolve("x.safetensors");
        SafetensorsWriter.write(p, Map.of("a", Tensor.f32(new int[] {1}, new float[] {1f})), Map.of());
        byte[] before = Files.readAllBytes(p);
        TensorBytes failing = new TensorBytes() {
            @Override
            public long size() {
                return 4;
            }

            @Override
            public void writeTo(java.io.OutputStream out) throws IOException {
                out.write(new byte[] {1, 2});
                throw new IOException("disk gone");
            }
        };
        assertThrows(java.io.UncheckedIOException.class, () -> SafetensorsWriter.write(p,
                List.of(new SafetensorsWriter.Entry("a", DType.F32, new int[] {1}, failing)), Map.of()));
        assertArrayEquals(before, Files.readAllBytes(p), "the old file is untouched");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList(), "no temporary file left behind");
        }
    }

    @Test
    void writerRefusesRepeatedAndReservedNames() {
        Tensor t = Tensor.f32(new int[] {1}, new float[] {1f});
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(dir.resolve("r.safetensors"),
                List.of(SafetensorsWriter.Entry.of("a", t), SafetensorsWriter.Entry.of("a", t)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(dir.resolve("r.safetensors"),
                List.of(SafetensorsWriter.Entry.of("__metadata__", t)), Map.of()));
        assertFalse(Files.exists(dir.resolve("r.safetensors")));
    }

    @Test
    void nonFloatTensorIsNotAMatrix() {
        Path p = dir.resolve("i.safetensors");
        SafetensorsWriter.write(p, Map.of("i", Tensor.i32(new int[] {2, 2}, new int[4]),
                "v", Tensor.f32(new int[] {4}, new float[4])), Map.of());
        SafetensorsFile f = SafetensorsFile.open(p);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> f.readMatrix("i"));
        assertTrue(e.getMessage().contains("I32"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> f.readMatrix("v"));
        assertTrue(e.getMessage().contains("2-D"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> f.read("nope"));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("i.safetensors"), e.getMessage());
    }

    private static void assertTrue(boolean b, String msg) {
        org.junit.jupiter.api.Assertions.assertTrue(b, msg);
    }
}
