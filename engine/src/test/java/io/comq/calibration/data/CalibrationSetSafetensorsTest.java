package io.comq.calibration.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidTensorFileException;
import io.comq.format.npy.NpyArray;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calibration sets in safetensors files written byte by byte here, following the format's description. */
class CalibrationSetSafetensorsTest {

    @TempDir
    Path dir;

    private static byte[] le(int bytes, long... values) {
        ByteBuffer b = ByteBuffer.allocate(bytes * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (bytes) {
                case 8 -> b.putLong(v);
                case 4 -> b.putInt((int) v);
                case 2 -> b.putShort((short) v);
                default -> b.put((byte) v);
            }
        }
        return b.array();
    }

    private Path file(String name, String header, byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        out.write(le(8, h.length));
        out.write(h);
        out.write(data);
        Path p = dir.resolve(name);
        Files.write(p, out.toByteArray());
        return p;
    }

    @Test
    void readsEveryCalibrationDtype() throws Exception {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write(le(8, 101, 7592, 2088, 102));                                     // I64 [2, 2]   0..32
        data.write(le(4, Float.floatToIntBits(1.5f), Float.floatToIntBits(-2f)));      // F32 [2, 1]  32..40
        data.write(le(2, 0x3C00, 0xC000));                                             // F16 [2]     40..44
        data.write(le(2, Float.floatToIntBits(3.5f) >>> 16, Float.floatToIntBits(-0.25f) >>> 16)); // BF16 44..48
        data.write(le(4, 7, -9));                                                      // I32 [2]     48..56
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"mask\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[48,56]},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2,2],\"data_offsets\":[0,32]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[32,40]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[40,44]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[44,48]}}";
        Path f = file("set.safetensors", header, data.toByteArray());
        CalibrationSet set = CalibrationSet.read(f);
        Map<String, NpyArray> m = set.arrays();
        assertEquals(List.of("mask", "ids", "x", "h", "b"), List.copyOf(m.keySet()), "in header order");
        assertEquals(NpyArray.ofLongs(new int[] {2, 2}, new long[] {101, 7592, 2088, 102}), m.get("ids"));
        assertEquals(NpyArray.ofFloats(new int[] {2, 1}, new float[] {1.5f, -2f}), m.get("x"));
        assertEquals(NpyArray.DType.FLOAT16, m.get("h").dtype());
        assertArrayEquals(new double[] {1.0, -2.0}, m.get("h").toDoubles());
        assertEquals(NpyArray.ofFloats(new int[] {2}, new float[] {3.5f, -0.25f}), m.get("b"));
        assertEquals(NpyArray.ofInts(new int[] {2}, new int[] {7, -9}), m.get("mask"));
        assertEquals(2, set.samples());
    }

    @Test
    void malformedFilesAreNamedErrors() throws Exception {
        String msg = assertThrows(InvalidTensorFileException.class, () -> CalibrationSet.read(
                file("a.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8])))
                .getMessage();
        assertTrue(msg.contains("a.safetensors") && msg.contains("need 12"), msg);
        msg = assertThrows(InvalidTensorFileException.class, () -> CalibrationSet.read(
                file("b.safetensors", "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8])))
                .getMessage();
        assertTrue(msg.contains("truncated") && msg.contains("only 8 bytes"), msg);
        msg = assertThrows(InvalidTensorFileException.class, () -> CalibrationSet.read(
                file("c.safetensors", "{\"x\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8])))
                .getMessage();
        assertTrue(msg.contains("unknown dtype \"C64\""), msg);
        msg = assertThrows(InvalidTensorFileException.class,
                () -> CalibrationSet.read(file("d.safetensors", "[1, 2", new byte[0]))).getMessage();
        assertTrue(msg.contains("bad JSON"), msg);
        Path huge = dir.resolve("e.safetensors");
        Files.write(huge, le(8, 1L << 40));
        msg = assertThrows(InvalidTensorFileException.class, () -> CalibrationSet.read(huge)).getMessage();
        assertTrue(msg.contains("not a safetensors file"), msg);
        msg = assertThrows(InvalidTensorFileException.class, () -> CalibrationSet.read(
                file("f.safetensors", "{\"x\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[0,4]}}",
                        new byte[4]))).getMessage();
        assertTrue(msg.contains("f.safetensors") && msg.contains("dtype U16")
                && msg.contains("a calibration set cannot carry"), msg);
    }
}
