package io.comq.format.npy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidTensorFileException;
import io.comq.format.npy.NpyArray.DType;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .npz} archives: numpy's stored, deflated and streamed zip64 archives, and archives written here. */
class NpzTest {

    @TempDir
    Path dir;

    private static final NpyArray ZETA = NpyArray.ofDoubles(new int[] {2, 3}, new double[] {0, 1, 2, 3, 4, 5});
    private static final NpyArray ALPHA = NpyArray.ofLongs(new int[] {3}, new long[] {7, 8, 9});

    @Test
    void readsNumpyStoredAndDeflatedArchivesInTheirOrder() {
        for (String f : new String[] {"stored.npz", "deflated.npz"}) {
            Map<String, NpyArray> m = Npz.read(Fixtures.npy(f));
            assertEquals(List.of("zeta", "alpha"), List.copyOf(m.keySet()), f);
            assertEquals(ZETA, m.get("zeta"), f);
            assertEquals(ALPHA, m.get("alpha"), f);
            assertEquals(ALPHA, Npz.read(Fixtures.npy(f), "alpha"), f);
        }
    }

    @Test
    void readsZip64EntriesWithUnknownSizesInTheLocalHeader() {
        // written by Python's zipfile to a non-seekable stream with force_zip64, as numpy does when streaming
        Map<String, NpyArray> m = Npz.read(Fixtures.npy("streamed_zip64.npz"));
        assertEquals(NpyArray.ofFloats(new int[] {3, 2}, new float[] {0, 1, 2, 3, 4, 5}), m.get("W"));
        assertEquals(NpyArray.ofInts(new int[] {2}, new int[] {1, 2}), m.get("b"));
    }

    @Test
    void writesStoredAndDeflatedArchivesThatReadBack() throws Exception {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("w", NpyRoundTripTest.sample(DType.FLOAT32, new int[] {40, 30}));
        arrays.put("codes", NpyRoundTripTest.sample(DType.INT32, new int[] {40, 30}));
        arrays.put("flag", NpyRoundTripTest.sample(DType.BOOL, new int[] {4}));
        for (boolean compress : new boolean[] {false, true}) {
            Path f = dir.resolve(compress + ".npz");
            Npz.write(f, arrays, compress);
            assertEquals(arrays, Npz.read(f));
            try (ZipFile z = new ZipFile(f.toFile())) {
                ZipEntry e = z.getEntry("w.npy");
                assertEquals(compress ? ZipEntry.DEFLATED : ZipEntry.STORED, e.getMethod());
            }
        }
    }

    @Test
    void aMissingKeyNamesTheKeysPresent() {
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class,
                () -> Npz.read(Fixtures.npy("stored.npz"), "W"));
        assertTrue(e.getMessage().contains("stored.npz"), e.getMessage());
        assertTrue(e.getMessage().contains("no array 'W'") && e.getMessage().contains("[zeta, alpha]"), e.getMessage());
    }

    @Test
    void arrayRefsNameNpyFilesAndNpzKeys() {
        assertEquals(ALPHA, ArrayRef.parse(Fixtures.npy("deflated.npz") + ":alpha").read());
        assertEquals(NpyArray.ofInts(new int[] {5}, new int[] {0, 1, 2, 3, 4}),
                ArrayRef.parse(Fixtures.npy("vector_int32.npy").toString()).read());
        ArrayRef r = ArrayRef.parse("/a/b.npz:W");
        assertEquals(Path.of("/a/b.npz"), r.file());
        assertEquals("W", r.key());
        assertEquals(null, ArrayRef.parse("C:/x/W.npy").key());
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class,
                () -> ArrayRef.parse(Fixtures.npy("stored.npz").toString()).read());
        assertTrue(e.getMessage().contains("holds 2 arrays"), e.getMessage());
    }
}
