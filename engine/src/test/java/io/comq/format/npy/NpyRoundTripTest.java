package io.comq.format.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.format.npy.NpyArray.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Files written by numpy read correctly, and files written here read back identically (and byte-equal numpy's). */
class NpyRoundTripTest {

    @TempDir
    Path dir;

    /** The values numpy's fixtures {@code le_*.npy} / {@code be_*.npy} hold, shape (2, 3). */
    private static final double[] BASE = {0, 1, -2, 3, -4, 5};

    static Stream<Arguments> numpyFixtures() {
        return Stream.of(
                Arguments.of("le_float16.npy", DType.FLOAT16), Arguments.of("le_float32.npy", DType.FLOAT32),
                Arguments.of("le_float64.npy", DType.FLOAT64), Arguments.of("le_int8.npy", DType.INT8),
                Arguments.of("le_int16.npy", DType.INT16), Arguments.of("le_int32.npy", DType.INT32),
                Arguments.of("le_int64.npy", DType.INT64), Arguments.of("be_float16.npy", DType.FLOAT16),
                Arguments.of("be_float32.npy", DType.FLOAT32), Arguments.of("be_float64.npy", DType.FLOAT64),
                Arguments.of("be_int16.npy", DType.INT16), Arguments.of("be_int32.npy", DType.INT32),
                Arguments.of("be_int64.npy", DType.INT64));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("numpyFixtures")
    void readsEveryNumpyDtypeInBothByteOrders(String file, DType dtype) {
        NpyArray a = Npy.read(Fixtures.npy(file));
        assertEquals(dtype, a.dtype());
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(BASE, a.toDoubles());
    }

    @Test
    void readsUint8AsUnsignedAndBoolAsZeroOne() {
        assertArrayEquals(new long[] {0, 1, 200, 3, 255, 5}, Npy.read(Fixtures.npy("le_uint8.npy")).toLongs());
        NpyArray b = Npy.read(Fixtures.npy("le_bool.npy"));
        assertEquals(DType.BOOL, b.dtype());
        assertArrayEquals(new byte[] {1, 0, 1, 0, 0, 1}, (byte[]) b.data());
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void writtenFilesReadBackIdentically(DType dtype) {
        NpyArray a = sample(dtype, new int[] {3, 5});
        Path f = dir.resolve("a.npy");
        Npy.write(f, a);
        assertEquals(a, Npy.read(f));
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT16", "FLOAT32", "FLOAT64", "INT8", "INT16", "INT32", "INT64"})
    void writtenFilesAreByteIdenticalToNumpys(DType dtype) throws IOException {
        Path numpys = Fixtures.npy("le_" + dtype.numpyName() + ".npy");
        Path f = dir.resolve("mine.npy");
        Npy.write(f, Npy.read(numpys));
        assertArrayEquals(Files.readAllBytes(numpys), Files.readAllBytes(f));
    }

    @Test
    void scalarsVectorsAndEmptyArraysRoundTrip() {
        for (NpyArray a : new NpyArray[] {
                NpyArray.ofDoubles(new int[0], new double[] {2.5}),
                NpyArray.ofInts(new int[] {5}, new int[] {0, 1, 2, 3, 4}),
                NpyArray.ofFloats(new int[] {0, 3}, new float[0])}) {
            Path f = dir.resolve("x.npy");
            Npy.write(f, a);
            assertEquals(a, Npy.read(f));
        }
        assertEquals(NpyArray.ofDoubles(new int[0], new double[] {2.5}), Npy.read(Fixtures.npy("scalar_float64.npy")));
        assertEquals(NpyArray.ofInts(new int[] {5}, new int[] {0, 1, 2, 3, 4}), Npy.read(Fixtures.npy("vector_int32.npy")));
        assertEquals(NpyArray.ofFloats(new int[] {0, 3}, new float[0]), Npy.read(Fixtures.npy("empty_float32.npy")));
    }

    @Test
    void readsFormatVersions2And3() {
        NpyArray expected = NpyArray.ofDoubles(new int[] {2, 3}, new double[] {0, 1, 2, 3, 4, 5});
        assertEquals(expected, Npy.read(Fixtures.npy("v2_float64.npy")));
        assertEquals(expected, Npy.read(Fixtures.npy("v3_float64.npy")));
    }

    @Test
    void aHeaderTooLongForVersion1IsWrittenAsVersion2() throws IOException {
        int[] shape = new int[25_000]; // "1, " per dimension: a header over 65535 bytes
        java.util.Arrays.fill(shape, 1);
        NpyArray a = new NpyArray(shape, DType.INT8, new byte[] {7});
        Path f = dir.resolve("long.npy");
        Npy.write(f, a);
        byte[] bytes = Files.readAllBytes(f);
        assertEquals(2, bytes[6], "major version");
        assertEquals(0, (bytes.length - 1) % 64, "data starts on a 64-byte boundary");
        assertEquals(a, Npy.read(f));
    }

    @Test
    void writingReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws IOException {
        Path f = dir.resolve("w.npy");
        Npy.write(f, NpyArray.ofInts(new int[] {1}, new int[] {1}));
        Npy.write(f, NpyArray.ofInts(new int[] {2}, new int[] {2, 3}));
        assertEquals(NpyArray.ofInts(new int[] {2}, new int[] {2, 3}), Npy.read(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(java.util.List.of(f), files.toList());
        }
    }

    @Test
    void float16DecodesNormalsSubnormalsAndSpecials() {
        short[] bits = {0x3C00, (short) 0xC000, 0x0001, 0x7BFF, 0x7C00, (short) 0xFC00, (short) 0x8000, 0x3555};
        NpyArray h = new NpyArray(new int[] {2, 4}, DType.FLOAT16, bits);
        float[] f = ((io.comq.tensor.Matrix.F32) h.toMatrix()).data();
        assertEquals(1f, f[0]);
        assertEquals(-2f, f[1]);
        assertEquals(0x1p-24f, f[2]);
        assertEquals(65504f, f[3]);
        assertEquals(Float.POSITIVE_INFINITY, f[4]);
        assertEquals(Float.NEGATIVE_INFINITY, f[5]);
        assertEquals(-0f, f[6]);
        assertTrue(Math.abs(f[7] - 1f / 3) < 1e-3);
        Path p = dir.resolve("h.npy");
        Npy.write(p, h);
        assertEquals(h, Npy.read(p));
    }

    /** A deterministic array of the given type with distinct values (where the type allows). */
    static NpyArray sample(DType t, int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        Object data = switch (t) {
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int k = 0; k < n; k++) {
                    a[k] = k * 0.37f - 2.5f;
                }
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int k = 0; k < n; k++) {
                    a[k] = Math.sin(k) * 1e3;
                }
                yield a;
            }
            case FLOAT16, INT16 -> {
                short[] a = new short[n];
                for (int k = 0; k < n; k++) {
                    a[k] = (short) (k * 1231 - 7000);
                }
                yield a;
            }
            case INT32 -> {
                int[] a = new int[n];
                for (int k = 0; k < n; k++) {
                    a[k] = k * 123_456_789;
                }
                yield a;
            }
            case INT64 -> {
                long[] a = new long[n];
                for (int k = 0; k < n; k++) {
                    a[k] = k * 1_234_567_890_123L - 5;
                }
                yield a;
            }
            case INT8, UINT8 -> {
                byte[] a = new byte[n];
                for (int k = 0; k < n; k++) {
                    a[k] = (byte) (k * 37 - 100);
                }
                yield a;
            }
            case BOOL -> {
                byte[] a = new byte[n];
                for (int k = 0; k < n; k++) {
                    a[k] = (byte) (k % 3 == 0 ? 1 : 0);
                }
                yield a;
            }
        };
        return new NpyArray(shape, t, data);
    }
}
