package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input: exit 2, one line naming the problem, and nothing written. */
class QuantizeCommandBadInputTest {
    @TempDir
    Path dir;

    Path model;
    Path calib;
    Path out;

    @BeforeEach
    void files() throws Exception {
        model = TinyModel.write(dir.resolve("tiny.onnx"), TinyModel.model(7));
        calib = TinyModel.calibration(dir.resolve("calib.npz"), 20, 3);
        out = dir.resolve("runs").resolve("out");
    }

    private CliRun run(Path m, Path c, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("quantize", "--model", m.toString(), "--calibration",
                c.toString(), "--method", "rtn", "--out", out.toString(), "--no-progress"));
        args.addAll(Arrays.asList(extra));
        return CliRun.of(args.toArray(new String[0]));
    }

    /** Exit 2, one {@code comq: error:} line containing {@code expected}, and no file under the temp folder's tree. */
    private void assertRefused(CliRun r, String expected, String... more) throws Exception {
        for (String m : more) {
            assertTrue(r.err().contains(m), () -> "expected '" + m + "' in\n" + r);
        }
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("comq: error: "), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().contains(expected), () -> "expected '" + expected + "' in\n" + r);
        assertEquals("", r.out(), r::toString);
        assertTrue(Files.notExists(dir.resolve("runs")), "no output folder (nor its parent) left behind");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("."))
                    .collect(Collectors.toList()), "no temporary folder left behind");
        }
    }

    @Test
    void accuracyOptionsThatContradict() throws Exception {
        assertRefused(run(model, calib, "--calibration-mode", "serial"), "serial");
        assertRefused(run(model, calib, "--avg-bits", "4.25", "--layer-bits", "conv=8"), "--layer-bits");
        assertRefused(run(model, calib, "--avg-bits", "4.25", "--validation-fraction", "0"), "--validation-fraction");
        assertRefused(run(model, calib, "--avg-bits", "2.5"), "below the fewest candidate bits");
    }

    @Test
    void truncatedModel() throws Exception {
        byte[] b = Files.readAllBytes(model);
        Path cut = Files.write(dir.resolve("cut.onnx"), Arrays.copyOf(b, b.length / 2));
        assertRefused(run(cut, calib), "truncated");
    }

    @Test
    void notAnOnnxModel() throws Exception {
        Path text = Files.writeString(dir.resolve("readme.onnx"), "this is not a model\n");
        assertRefused(run(text, calib), "not an ONNX model");
        assertRefused(run(dir.resolve("missing.onnx"), calib), "no such file");
    }

    @Test
    void modelWithoutQuantizableLayer() throws Exception {
        Path relu = TinyModel.write(dir.resolve("relu.onnx"), TinyModel.reluOnly());
        assertRefused(run(relu, calib), "no quantizable layer");
    }

    @Test
    void calibrationSetForAnotherModel() throws Exception {
        Path other = dir.resolve("text.npz");
        Npz.write(other, Map.of("input_ids", new NpyArray(new int[] {4, 16}, NpyArray.DType.INT64, new long[64])),
                false);
        assertRefused(run(model, other), "no array for model input 'X'");
        Path shape = dir.resolve("shape.npz");
        Npz.write(shape, Map.of("X", new NpyArray(new int[] {4, 3, 9, 9}, NpyArray.DType.FLOAT32,
                new float[4 * 3 * 81])), false);
        assertRefused(run(model, shape), "axis 2 must be 8");
    }

    @Test
    void nonFiniteCalibrationData() throws Exception {
        NpyArray x = TinyModel.inputs(6, 1);
        ((float[]) x.data())[200] = Float.NaN;
        Path nan = dir.resolve("nan.npz");
        Npz.write(nan, Map.of("X", x), false);
        assertRefused(run(model, nan), "NaN");
        ((float[]) x.data())[200] = Float.POSITIVE_INFINITY;
        Npz.write(nan, Map.of("X", x), false);
        assertRefused(run(model, nan), "Infinity");
    }

    @Test
    void unwritableOutputFolder() throws Exception {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        out = file.resolve("out");
        CliRun r = run(model, calib);
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().startsWith("comq: error: cannot write the output folder"), r::toString);
        assertEquals("x", Files.readString(file));
    }

    @Test
    void badOptions() throws Exception {
        assertRefused(run(model, calib, "--group-size", "5"), "group size 5 does not divide");
        assertRefused(run(model, calib, "--layer-bits", "nosuchlayer=8"), "nosuchlayer");
        assertRefused(run(model, calib, "--exclude", "."), "leaves none");
        assertRefused(run(model, calib, "--exclude-op", "Relu"), "--exclude-op 'Relu' is not a quantizable op type");
        assertRefused(run(model, calib, "--validation-fraction", "1"), "validation fraction (--validation-fraction)");
        assertRefused(run(model, calib, "--avg-bits", "4.25", "--validation-fraction", "0"), "--avg-bits",
                "--validation-fraction above 0");
        assertRefused(run(model, calib, "--format", "safetensors"), "--gram-dir");
        assertRefused(run(model, calib, "--format", "gguf"), "gguf");
        assertRefused(run(model, calib, "--sweeps", "2"), "--sweeps has no effect with --method rtn");
    }
}
