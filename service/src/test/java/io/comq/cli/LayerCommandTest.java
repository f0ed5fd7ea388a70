package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.format.npy.Npy;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.NpyArray.DType;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code comq layer} end to end, in process, on the shared reference vectors. */
class LayerCommandTest {

    @TempDir
    Path tmp;

    private CliRun layer(String caseName, Path out, String... extra) {
        String[] base = {"layer", "--weights", Vectors.file(caseName, "W").toString(), "--gram",
                Vectors.file(caseName, "H").toString(), "--out", out.toString()};
        String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r::toString);
        return r;
    }

    private static long[] codes(Path out) {
        NpyArray c = Npy.read(out.resolve("codes.npy"));
        assertEquals(DType.INT32, c.dtype());
        return c.toLongs();
    }

    @Test
    void comqGreedyK3ReproducesTheReferenceCodesScalesAndZeroPoints() throws IOException {
        Path out = tmp.resolve("med");
        CliRun r = layer("med_sym4", out, "--method", "comq", "--sweeps", "3", "--order", "greedy");
        assertArrayEquals(Vectors.read("med_sym4", "comq_greedy_K3_codes").toLongs(), codes(out));
        NpyArray codes = Npy.read(out.resolve("codes.npy"));
        assertArrayEquals(new int[] {48, 8}, codes.shape());

        NpyArray scales = Npy.read(out.resolve("scales.npy"));
        assertEquals(DType.FLOAT64, scales.dtype());
        assertArrayEquals(new int[] {8}, scales.shape());
        assertArrayEquals(Vectors.read("med_sym4", "scale").toDoubles(), scales.toDoubles(), 1e-15);

        NpyArray zeros = Npy.read(out.resolve("zeros.npy"));
        assertEquals(DType.INT32, zeros.dtype());
        long[] lo = Vectors.read("med_sym4", "lo").toLongs();
        long[] z = zeros.toLongs();
        for (int j = 0; j < lo.length; j++) {
            assertEquals(-lo[j], z[j]);
        }
        Matrix wq = Npy.read(out.resolve("wq.npy")).toMatrix();
        assertArrayEquals(Vectors.read("med_sym4", "comq_greedy_K3_Wq").toDoubles(), wq.toF64().data(), 1e-12);
        assertFalse(Files.exists(out.resolve("bias_correction.npy")));
        assertTrue(r.err().contains("comq: sweep 3/3: rel error"), r::toString);
        assertTrue(r.out().contains("wrote " + out), r::toString);
    }

    @Test
    void rtnAndCyclicReproduceTheirReferenceCodes() {
        Path rtn = tmp.resolve("rtn");
        layer("tiny_sym4", rtn, "--method", "rtn");
        assertArrayEquals(Vectors.read("tiny_sym4", "rtn_codes").toLongs(), codes(rtn));
        Path cyclic = tmp.resolve("cyclic");
        layer("med_sym4", cyclic, "--order", "cyclic", "--sweeps", "2", "--no-progress");
        assertArrayEquals(Vectors.read("med_sym4", "comq_cyclic_K2_codes").toLongs(), codes(cyclic));
    }

    @Test
    void reportHasTheConfigErrorsAndTheChecksumOfEveryFile() throws IOException {
        Path out = tmp.resolve("rep");
        layer("tiny_sym4", out, "--no-progress");
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(8, rep.at("/shape/in").asInt());
        assertEquals(3, rep.at("/shape/out").asInt());
        JsonNode cfg = rep.get("config");
        assertEquals("comq", cfg.get("method").asText());
        assertEquals(4, cfg.get("bits").asInt());
        assertEquals("sym-maxabs", cfg.get("grid").asText());
        assertEquals(0, cfg.get("group_size").asInt());
        assertEquals(3, cfg.get("sweeps").asInt());
        assertEquals("greedy", cfg.get("order").asText());
        assertEquals("fp", cfg.get("init").asText());
        assertEquals("none", cfg.get("scale_update").asText());
        assertEquals("float64", cfg.get("precision").asText());
        assertEquals("half-even", cfg.get("tie").asText());
        assertEquals(1.0, cfg.get("ratio").asDouble());

        assertEquals(Vectors.rel("tiny_sym4", "rtn"), rep.get("rtn_rel_error").asDouble(), 1e-12);
        assertEquals(Vectors.rel("tiny_sym4", "comq_greedy_K3"), rep.get("rel_error").asDouble(), 1e-12);
        JsonNode perSweep = rep.get("rel_error_per_sweep");
        assertEquals(3, perSweep.size());
        assertEquals(Vectors.rel("tiny_sym4", "comq_greedy_K1"), perSweep.get(0).asDouble(), 1e-12);
        assertTrue(rep.get("time_ms").asDouble() >= 0);
        assertFalse(rep.get("backend").asText().isEmpty());
        assertFalse(rep.get("device").asText().isEmpty());
        assertTrue(rep.get("threads").asInt() >= 1);
        assertTrue(rep.get("guards").isArray());

        JsonNode files = rep.get("files");
        List<String> names = List.of("codes.npy", "scales.npy", "zeros.npy", "wq.npy");
        assertEquals(names.size(), files.size());
        for (String f : names) {
            assertEquals(Sha256.of(out.resolve(f)), files.get(f).get("sha256").asText(), f);
            assertEquals(Files.size(out.resolve(f)), files.get(f).get("bytes").asLong(), f);
        }
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(names.size() + 1, s.count(), "exactly the four arrays and the report");
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(out), s.toList(), "no temporary folders left beside the output");
        }
    }

    @Test
    void calibrationRowsGiveTheSameCodesAndABiasCorrection() throws IOException {
        Path out = tmp.resolve("x");
        CliRun r = CliRun.of("layer", "--weights", Vectors.file("tiny_sym4", "W").toString(), "--inputs",
                Vectors.file("tiny_sym4", "X").toString(), "--bias-correction", "--out", out.toString());
        assertEquals(0, r.code(), r::toString);
        assertArrayEquals(Vectors.read("tiny_sym4", "comq_greedy_K3_codes").toLongs(), codes(out));

        Matrix X = Vectors.read("tiny_sym4", "X").toMatrix();
        Matrix W = Vectors.read("tiny_sym4", "W").toMatrix();
        Matrix wq = Npy.read(out.resolve("wq.npy")).toMatrix();
        double[] expected = new double[W.cols()];
        for (int j = 0; j < W.cols(); j++) {
            for (int i = 0; i < W.rows(); i++) {
                double mu = 0;
                for (int n = 0; n < X.rows(); n++) {
                    mu += X.get(n, i);
                }
                expected[j] += mu / X.rows() * (W.get(i, j) - wq.get(i, j));
            }
        }
        NpyArray bias = Npy.read(out.resolve("bias_correction.npy"));
        assertArrayEquals(new int[] {3}, bias.shape());
        assertArrayEquals(expected, bias.toDoubles(), 1e-12);
        JsonNode rep = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(32, rep.at("/inputs/samples").asLong());
        assertTrue(rep.at("/config/bias_correction").asBoolean());
        assertEquals(Sha256.of(out.resolve("bias_correction.npy")),
                rep.at("/files/bias_correction.npy/sha256").asText());
    }

    @Test
    void aGivenMeanRowGivesTheSameBiasCorrectionAsCalibrationRows() {
        Path fromX = tmp.resolve("fromX");
        assertEquals(0, CliRun.of("layer", "--weights", Vectors.file("tiny_sym4", "W").toString(), "--inputs",
                Vectors.file("tiny_sym4", "X").toString(), "--bias-correction", "--out", fromX.toString()).code());
        double[] mu = new double[8];
        Matrix X = Vectors.read("tiny_sym4", "X").toMatrix();
        for (int n = 0; n < X.rows(); n++) {
            for (int i = 0; i < 8; i++) {
                mu[i] += X.get(n, i) / X.rows();
            }
        }
        Path muFile = tmp.resolve("mu.npy");
        Npy.write(muFile, NpyArray.ofDoubles(new int[] {8}, mu));
        Path fromMu = tmp.resolve("fromMu");
        layer("tiny_sym4", fromMu, "--bias-correction", "--mean-row", muFile.toString());
        assertArrayEquals(Npy.read(fromX.resolve("bias_correction.npy")).toDoubles(),
                Npy.read(fromMu.resolve("bias_correction.npy")).toDoubles(), 1e-12);
    }

    @Test
    void npzKeysAndFortranOrderFilesAreAccepted() throws IOException {
        Path npz = Vectors.dir().resolve("med_sym4.npz");
        Path a = tmp.resolve("npz");
        CliRun r = CliRun.of("layer", "--weights", npz + ":W", "--gram", npz + ":H", "--out", a.toString());
        assertEquals(0, r.code(), r::toString);
        assertArrayEquals(Vectors.read("med_sym4", "comq_greedy_K3_codes").toLongs(), codes(a));

        Path fortranW = writeFortran(tmp.resolve("W_fortran.npy"), Vectors.read("med_sym4", "W").toMatrix().toF64());
        Path b = tmp.resolve("fortran");
        r = CliRun.of("layer", "--weights", fortranW.toString(), "--gram", npz + ":H", "--out", b.toString());
        assertEquals(0, r.code(), r::toString);
        assertArrayEquals(Vectors.read("med_sym4", "comq_greedy_K3_codes").toLongs(), codes(b));
    }

    @Test
    void groupedFloat32RunWritesPerGroupScalesInFloat32() {
        Path out = tmp.resolve("g");
        layer("tiny_sym4", out, "--group-size", "4", "--precision", "float32", "--method", "rtn");
        NpyArray scales = Npy.read(out.resolve("scales.npy"));
        assertEquals(DType.FLOAT32, scales.dtype());
        assertArrayEquals(new int[] {2, 3}, scales.shape());
        assertArrayEquals(new int[] {2, 3}, Npy.read(out.resolve("zeros.npy")).shape());
        assertEquals(DType.FLOAT32, Npy.read(out.resolve("wq.npy")).dtype());
        // every code sits on its group's grid: |w - scale*z| <= scale/2 unless clipped at the top code
        Matrix W = Vectors.read("tiny_sym4", "W").toMatrix();
        long[] z = codes(out);
        double[] s = scales.toDoubles();
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 3; j++) {
                double scale = s[(i / 4) * 3 + j];
                long code = z[i * 3 + j];
                assertTrue(code >= -8 && code <= 7);
                if (code < 7) {
                    assertTrue(Math.abs(W.get(i, j) - scale * code) <= scale / 2 * (1 + 1e-6), i + "," + j);
                }
            }
        }
    }

    @Test
    void forceReplacesANonEmptyOutputFolder() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("old"));
        Files.writeString(out.resolve("stale.txt"), "old run");
        layer("tiny_sym4", out, "--method", "rtn", "--force", "--no-progress");
        assertFalse(Files.exists(out.resolve("stale.txt")));
        assertArrayEquals(Vectors.read("tiny_sym4", "rtn_codes").toLongs(), codes(out));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(out), s.toList(), "the old folder was removed, no temporary folders left");
        }
    }

    @Test
    void anExistingEmptyFolderIsFilledAndMissingParentsAreCreated() {
        Path empty = tmp.resolve("empty");
        empty.toFile().mkdirs();
        layer("tiny_sym4", empty, "--method", "rtn");
        assertTrue(Files.exists(empty.resolve("codes.npy")));
        Path deep = tmp.resolve("a/b/c");
        layer("tiny_sym4", deep, "--method", "rtn");
        assertTrue(Files.exists(deep.resolve("report.json")));
    }

    @Test
    void noProgressSilencesStderr() {
        CliRun r = layer("tiny_sym4", tmp.resolve("quiet"), "--no-progress");
        assertEquals("", r.err());
    }

    /** Writes {@code m} as a Fortran-order little-endian float64 .npy, as {@code np.save(np.asfortranarray(m))} would. */
    static Path writeFortran(Path f, Matrix.F64 m) throws IOException {
        String dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (" + m.rows() + ", " + m.cols() + "), }";
        StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        ByteBuffer b = ByteBuffer.allocate(10 + h.length() + 8 * (int) m.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length());
        b.put(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        for (int c = 0; c < m.cols(); c++) {
            for (int r = 0; r < m.rows(); r++) {
                b.putDouble(m.get(r, c));
            }
        }
        return Files.write(f, b.array());
    }
}
