package io.comq.format.npy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.format.npy.NpyArray.DType;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shared reference vectors read identically from each case's folder of {@code .npy} files and from its {@code .npz}. */
class ReferenceVectorsReadTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny_sym4", "small_asym3", "small_sym2", "med_sym4", "dead_input_sym3", "ties",
            "official_asym"})
    void folderAndArchiveHoldTheSameArrays(String name) throws IOException {
        Path folder = Fixtures.vectors().resolve(name);
        Map<String, NpyArray> npz = Npz.read(Fixtures.vectors().resolve(name + ".npz"));
        int files = 0;
        try (Stream<Path> list = Files.list(folder)) {
            for (Path f : list.sorted().toList()) {
                String key = f.getFileName().toString().replace(".npy", "");
                NpyArray a = Npy.read(f);
                assertTrue(npz.containsKey(key), name + ".npz lacks " + key);
                assertEquals(a, npz.get(key), key);
                assertTrue(a.dtype() == DType.FLOAT64 || a.dtype() == DType.INT64, key + " is " + a.dtype());
                files++;
            }
        }
        assertEquals(files, npz.size(), "same number of arrays");
        Matrix w = npz.get("W").toMatrix();
        Matrix h = npz.get("H").toMatrix();
        assertEquals(w.rows(), h.rows(), "H is (in, in) for W (in, out)");
        assertFalse(npz.get("X").toMatrix().size() == 0);
    }
}
