package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidInputException;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.report.LayerEntry;
import io.comq.tensor.Matrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerResultStoreTest {
    @TempDir
    Path dir;

    private static LayerResultStore.Header header(String config) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("method", "comq");
        settings.put("bits", "4");
        settings.put("format", "qdq");
        return new LayerResultStore.Header(LayerResultStore.FORMAT, "m.onnx", "aa", "bb", config, 2,
                List.of("fc1", "fc2"), settings, 0.2, 0, 16);
    }

    private static LayerResult result(boolean bias, Matrix wq) {
        return new LayerResult(2, 3, GridSpec.defaults(), new int[] {1, -2, 3, -4, 5, -6},
                new Matrix.F64(1, 3, new double[] {0.1, 0.2, 0.3}), new int[] {-8, -8, -8}, new int[] {7, 7, 7}, wq,
                bias ? new double[] {0.5, -0.5, 0.25} : null, 0.02, new double[] {0.015, 0.012, 0.011}, 0.011,
                new LayerResult.RunStats("comq", Precision.FLOAT32, "cpu-simd", "2 cores", 2, 1234,
                        List.of("dead input 1")));
    }

    @Test
    void layersRoundTripExactlyAndTheHeaderKeepsItsOrder() {
        LayerResultStore store = LayerResultStore.open(dir, header("c1"));
        LayerResult a = result(true, new Matrix.F32(2, 3, new float[] {1, 2, 3, 4, 5, 6}));
        LayerResult b = result(false, new Matrix.F64(2, 3, new double[] {1, 2, 3, 4, 5, 6}));
        LayerEntry entry = LayerEntry.of("fc1", "MatMul", List.of(2, 3), a);
        store.put("fc1", List.of(a, b), entry);
        assertEquals(List.of("fc2"), store.missing());

        LayerResultStore.Finished f = LayerResultStore.read(dir).get("fc1");
        assertEquals(entry, f.entry());
        assertEquals(2, f.results().size());
        for (int g = 0; g < 2; g++) {
            LayerResult want = g == 0 ? a : b;
            LayerResult got = f.results().get(g);
            assertArrayEquals(want.codes(), got.codes());
            assertEquals(want.scales(), got.scales());
            assertArrayEquals(want.lo(), got.lo());
            assertArrayEquals(want.hi(), got.hi());
            assertEquals(want.wq(), got.wq());
            assertEquals(want.grid(), got.grid());
            assertEquals(want.stats(), got.stats());
            assertArrayEquals(want.relErrorPerSweep(), got.relErrorPerSweep());
            assertEquals(want.relError(), got.relError());
        }
        assertArrayEquals(a.biasCorrection(), f.results().get(0).biasCorrection());
        assertNull(f.results().get(1).biasCorrection());
        assertEquals(List.of("method", "bits", "format"), List.copyOf(LayerResultStore.read(dir).header().settings()
                .keySet()));
    }

    @Test
    void anotherRunIsRefusedAndDeleteLeavesForeignFiles() throws Exception {
        LayerResultStore store = LayerResultStore.open(dir, header("c1"));
        store.put("fc2", List.of(result(false, new Matrix.F32(2, 3, new float[6]))), null);
        store.markDone(new Sharding.Shard(1, 2), List.of("fc2"));
        assertEquals(List.of(0), store.unfinishedShards());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> LayerResultStore.open(dir, header("c2")));
        assertTrue(e.getMessage().contains("different quantization settings"), e.getMessage());

        Files.writeString(dir.resolve("notes.txt"), "mine");
        store.delete();
        assertTrue(Files.exists(dir.resolve("notes.txt")));
        assertFalse(Files.exists(dir.resolve(LayerResultStore.HEADER_FILE)));
        assertFalse(Files.exists(dir.resolve("layers")));
        assertFalse(Files.exists(dir.resolve("shards")));
        assertThrows(InvalidInputException.class, () -> LayerResultStore.read(dir));
    }
}
