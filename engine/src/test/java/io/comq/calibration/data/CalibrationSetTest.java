package io.comq.calibration.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.CalibrationMismatchException;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationSetTest {

    @TempDir
    Path dir;

    private static final List<ModelInput> BERT = List.of(
            new ModelInput("input_ids", NpyArray.DType.INT64, new long[] {-1, -1}),
            new ModelInput("attention_mask", NpyArray.DType.INT64, new long[] {-1, -1}),
            new ModelInput("pixel", NpyArray.DType.FLOAT32, new long[] {-1, 3, 2}));

    private static long[] seq(int n) {
        long[] a = new long[n];
        for (int k = 0; k < n; k++) {
            a[k] = k;
        }
        return a;
    }

    private static Map<String, NpyArray> good(int n, int len) {
        Map<String, NpyArray> m = new LinkedHashMap<>();
        m.put("input_ids", NpyArray.ofLongs(new int[] {n, len}, seq(n * len)));
        m.put("attention_mask", NpyArray.ofLongs(new int[] {n, len}, new long[n * len]));
        float[] px = new float[n * 6];
        for (int k = 0; k < px.length; k++) {
            px[k] = k * 0.5f;
        }
        m.put("pixel", NpyArray.ofFloats(new int[] {n, 3, 2}, px));
        return m;
    }

    private static String mismatch(Map<String, NpyArray> arrays) {
        return assertThrows(CalibrationMismatchException.class, () -> CalibrationSet.of(arrays).checkAgainst(BERT))
                .getMessage();
    }

    @Test
    void dynamicDimensionsAcceptAnySize() {
        CalibrationSet.of(good(4, 7)).checkAgainst(BERT);
        CalibrationSet.of(good(1, 128)).checkAgainst(BERT);
    }

    @Test
    void eachMismatchIsNamed() {
        Map<String, NpyArray> m = good(4, 7);
        m.remove("attention_mask");
        String msg = mismatch(m);
        assertTrue(msg.contains("no array for model input 'attention_mask'"), msg);

        m = good(4, 7);
        m.put("token_type_ids", NpyArray.ofLongs(new int[] {4, 7}, new long[28]));
        msg = mismatch(m);
        assertTrue(msg.contains("'token_type_ids' matches no model input"), msg);

        m = good(4, 7);
        m.put("input_ids", NpyArray.ofInts(new int[] {4, 7}, new int[28]));
        msg = mismatch(m);
        assertTrue(msg.contains("'input_ids' has dtype int32 but the model input takes int64"), msg);

        m = good(4, 7);
        m.put("pixel", NpyArray.ofFloats(new int[] {4, 2, 3}, new float[24]));
        msg = mismatch(m);
        assertTrue(msg.contains("'pixel' has shape (4, 2, 3)") && msg.contains("axis 1 must be 3"), msg);

        m = good(4, 7);
        m.put("input_ids", NpyArray.ofLongs(new int[] {28}, new long[28]));
        msg = assertThrows(CalibrationMismatchException.class, () -> CalibrationSet.of(Map.of("input_ids",
                NpyArray.ofLongs(new int[] {28}, new long[28]))).checkAgainst(BERT.subList(0, 1))).getMessage();
        assertTrue(msg.contains("rank 1") && msg.contains("rank 2"), msg);
    }

    @Test
    void differingSampleCountsAndNonFiniteValuesAreRefused() {
        Map<String, NpyArray> m = good(4, 7);
        m.put("attention_mask", NpyArray.ofLongs(new int[] {3, 7}, new long[21]));
        String msg = assertThrows(CalibrationMismatchException.class, () -> CalibrationSet.of(m)).getMessage();
        assertTrue(msg.contains("differing numbers of samples") && msg.contains("'attention_mask' has 3"), msg);

        Map<String, NpyArray> nan = good(4, 7);
        float[] px = (float[]) nan.get("pixel").data();
        px[3 * 6 + 5] = Float.NaN;
        msg = assertThrows(CalibrationMismatchException.class, () -> CalibrationSet.of(nan)).getMessage();
        assertTrue(msg.contains("'pixel' holds NaN at index [3, 2, 1] (sample 3)"), msg);

        short[] half = {0x3C00, 0x7C00}; // 1.0, +inf
        msg = assertThrows(CalibrationMismatchException.class, () -> CalibrationSet.of(Map.of("h",
                new NpyArray(new int[] {2}, NpyArray.DType.FLOAT16, half)))).getMessage();
        assertTrue(msg.contains("'h' holds Infinity"), msg);
        assertThrows(CalibrationMismatchException.class, () -> CalibrationSet.of(Map.of()));
        assertThrows(CalibrationMismatchException.class,
                () -> CalibrationSet.of(Map.of("s", NpyArray.ofLongs(new int[] {}, new long[] {1}))));
    }

    @Test
    void readsNpzStoredAndDeflatedAndSlicesBatches() {
        for (boolean deflate : new boolean[] {false, true}) {
            Path f = dir.resolve("set" + deflate + ".npz");
            Npz.write(f, good(5, 3), deflate);
            CalibrationSet set = CalibrationSet.read(f);
            assertEquals(5, set.samples());
            set.checkAgainst(BERT);
            Map<String, NpyArray> b = set.batch(3, 5);
            assertArrayEquals(new int[] {2, 3}, b.get("input_ids").shape());
            assertArrayEquals(new long[] {9, 10, 11, 12, 13, 14}, b.get("input_ids").toLongs());
            assertArrayEquals(new int[] {2, 3, 2}, b.get("pixel").shape());
            assertEquals(18 * 0.5f, ((float[]) b.get("pixel").data())[0]);
        }
        assertThrows(InvalidInputException.class, () -> CalibrationSet.read(dir.resolve("absent.npz")));
    }

    @Test
    void splitIsDeterministicDisjointAndComplete() {
        CalibrationSet set = CalibrationSet.of(Map.of("input_ids", NpyArray.ofLongs(new int[] {20, 1}, seq(20))));
        CalibrationSplit a = CalibrationSplit.of(set, 0.25, 7);
        CalibrationSplit b = CalibrationSplit.of(set, 0.25, 7);
        assertEquals(15, a.fit().samples());
        assertEquals(5, a.validate().samples());
        assertArrayEquals(a.validate().array("input_ids").toLongs(), b.validate().array("input_ids").toLongs());
        long[] fit = a.fit().array("input_ids").toLongs();
        long[] val = a.validate().array("input_ids").toLongs();
        boolean[] seen = new boolean[20];
        for (long v : fit) {
            seen[(int) v] = true;
        }
        for (long v : val) {
            assertTrue(!seen[(int) v], "sample " + v + " in both parts");
            seen[(int) v] = true;
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
        for (int k = 1; k < val.length; k++) {
            assertTrue(val[k - 1] < val[k], "each part keeps sample order");
        }
        assertNotEquals(java.util.Arrays.toString(val),
                java.util.Arrays.toString(CalibrationSplit.of(set, 0.25, 8).validate().array("input_ids").toLongs()),
                "another seed holds out other samples");
        CalibrationSplit none = CalibrationSplit.of(set, 0, 7);
        assertNull(none.validate());
        assertEquals(20, none.fit().samples());
        assertThrows(InvalidConfigException.class, () -> CalibrationSplit.of(set, 1.0, 7));
        assertThrows(InvalidConfigException.class, () -> CalibrationSplit.of(set, 0.99, 7));
        assertThrows(InvalidConfigException.class, () -> CalibrationSplit.of(set, -0.1, 7));
    }
}
