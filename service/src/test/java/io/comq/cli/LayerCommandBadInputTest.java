package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input ends with exit code 2, one line {@code comq: error: ...} naming the problem, and no output folder (nor
 * temporary folder) left behind.
 */
class LayerCommandBadInputTest {

    @TempDir
    Path tmp;

    private Path out() {
        return tmp.resolve("out");
    }

    private static String W(String c) {
        return Vectors.file(c, "W").toString();
    }

    private static String H(String c) {
        return Vectors.file(c, "H").toString();
    }

    /** Runs {@code comq layer <args> --out tmp/out} and checks the failure contract; returns stderr. */
    private String refused(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("layer"));
        all.addAll(Arrays.asList(args));
        all.addAll(List.of("--out", out().toString()));
        CliRun r = CliRun.of(all.toArray(String[]::new));
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("comq: error: "), r::toString);
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r);
        assertEquals("", r.out(), r::toString);
        assertFalse(Files.exists(out()), "no output folder: " + r);
        try (Stream<Path> s = Files.list(tmp)) {
            List<Path> left = s.filter(p -> p.getFileName().toString().startsWith(".out")).toList();
            assertEquals(List.of(), left, "no temporary folders left");
        }
        return r.err();
    }

    private static void mentions(String err, String... fragments) {
        for (String f : fragments) {
            assertTrue(err.contains(f), "'" + err.strip() + "' should mention '" + f + "'");
        }
    }

    @Test
    void missingWeightsFile() throws IOException {
        Path missing = tmp.resolve("nope.npy");
        mentions(refused("--weights", missing.toString(), "--gram", H("tiny_sym4")), missing.toString(), "no such file");
    }

    @Test
    void missingNpzKey() throws IOException {
        Path npz = Vectors.dir().resolve("tiny_sym4.npz");
        mentions(refused("--weights", npz + ":Wx", "--gram", npz + ":H"), "no array 'Wx'", "W, ");
    }

    @Test
    void weightsAndGramShapesDisagree() throws IOException {
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("med_sym4")), "(48, 48)", "(8, 3)", "(in, in)");
    }

    @Test
    void inputsWithTheWrongNumberOfColumns() throws IOException {
        mentions(refused("--weights", W("tiny_sym4"), "--inputs", Vectors.file("med_sym4", "X").toString()),
                "--inputs", "(256, 48)", "(N, 8)");
    }

    @Test
    void truncatedNpy() throws IOException {
        byte[] full = Files.readAllBytes(Vectors.file("tiny_sym4", "W"));
        Path cut = Files.write(tmp.resolve("W_cut.npy"), Arrays.copyOf(full, full.length - 10));
        mentions(refused("--weights", cut.toString(), "--gram", H("tiny_sym4")), cut.toString(), "truncated");
    }

    @Test
    void aVectorWhereAMatrixIsNeeded() throws IOException {
        mentions(refused("--weights", Vectors.file("tiny_sym4", "scale").toString(), "--gram", H("tiny_sym4")),
                "--weights", "2-D", "(3,)");
    }

    @Test
    void nanInTheWeights() throws IOException {
        double[] w = Vectors.read("tiny_sym4", "W").toDoubles();
        w[5] = Double.NaN;
        Path f = tmp.resolve("W_nan.npy");
        io.comq.format.npy.Npy.write(f, io.comq.format.npy.NpyArray.ofDoubles(new int[] {8, 3}, w));
        mentions(refused("--weights", f.toString(), "--gram", H("tiny_sym4")), "NaN");
    }

    @Test
    void bothOrNeitherOfGramAndInputs() throws IOException {
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--inputs",
                Vectors.file("tiny_sym4", "X").toString()), "mutually exclusive");
        mentions(refused("--weights", W("tiny_sym4")), "--gram", "--inputs");
    }

    @Test
    void groupSizeThatDoesNotDivideTheInputSize() throws IOException {
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--group-size", "3"),
                "group size 3", "input size 8");
    }

    @Test
    void bitsOutOfRange() throws IOException {
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--bits", "9"), "bits", "2 and 8");
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--bits", "four"), "--bits", "four");
    }

    @Test
    void unknownNamesListWhatIsAccepted() throws IOException {
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--grid", "sym"), "sym-maxabs");
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--method", "awq"), "awq", "rtn");
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--backend", "cuda"), "cuda",
                "cpu-scalar");
    }

    @Test
    void optionsTheMethodWouldIgnore() throws IOException {
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--method", "rtn", "--sweeps", "2"),
                "--sweeps", "--method comq");
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--damp", "0.1"), "--damp",
                "--init gptq");
        mentions(refused("--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--bias-correction"),
                "--bias-correction", "--inputs", "--mean-row");
    }

    @Test
    void existingNonEmptyOutputFolderIsLeftAlone() throws IOException {
        Path out = Files.createDirectories(out());
        Path keep = Files.writeString(out.resolve("keep.txt"), "precious");
        CliRun r = CliRun.of("layer", "--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--out", out.toString());
        assertEquals(2, r.code(), r::toString);
        mentions(r.err(), "not empty", "--force");
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of(keep), s.toList());
        }
        assertEquals("precious", Files.readString(keep));
    }

    @Test
    void anOutputPathThatIsAFile() throws IOException {
        Path f = Files.writeString(tmp.resolve("file"), "x");
        CliRun r = CliRun.of("layer", "--weights", W("tiny_sym4"), "--gram", H("tiny_sym4"), "--out", f.toString());
        assertEquals(2, r.code(), r::toString);
        mentions(r.err(), "is a file");
    }
}
