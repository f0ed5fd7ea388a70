package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.report.Artifact;
import io.comq.report.Drift;
import io.comq.report.LayerEntry;
import io.comq.report.ModelReport;
import io.comq.report.Reports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code comq quantize} end to end on a tiny Conv + MatMul model: real files, real ONNX Runtime. */
class QuantizeCommandTest {
    @TempDir
    Path dir;

    Path model;
    Path calib;

    @BeforeEach
    void files() throws Exception {
        model = TinyModel.write(dir.resolve("tiny.onnx"), TinyModel.model(7));
        calib = TinyModel.calibration(dir.resolve("calib.npz"), 40, 3);
    }

    private static ModelReport report(Path out) {
        return Reports.read(out.resolve(Reports.JSON_FILE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qdq", "matmulnbits"})
    void quantizesTheModelAndReportsTheDriftItReallyHas(String format) throws Exception {
        Path out = dir.resolve("out-" + format);
        CliRun r = CliRun.of("quantize", "--model", model.toString(), "--calibration", calib.toString(), "--bits", "4",
                "--format", format, "--calibration-mode", "sequential", "--out", out.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("comq: wrote " + out), r::toString);
        // progress per calibration batch (per stage of sequential calibration: the conv, fc1, fc2), per layer, per
        // evaluation batch (not a terminal: plain lines)
        assertTrue(r.err().contains("comq: stage 3/3 (fc2) calibration pass 1/1: batch 2/2"), r::toString);
        assertTrue(r.err().contains("comq: stage 3/3 (fc2) validation pass 1/1: batch 1/1"), r::toString);
        assertTrue(r.err().contains("comq: quantized fc2 (3/3)"), r::toString);
        assertTrue(r.err().contains("comq: evaluation: batch 1/1"), r::toString);

        ModelReport rep = report(out);
        assertEquals(List.of("conv", "fc1", "fc2"), rep.layers().stream().map(LayerEntry::name)
                .collect(Collectors.toList()));
        for (LayerEntry e : rep.layers()) {
            assertEquals(4, e.bits());
            assertEquals("comq", e.method());
            assertTrue(e.relError() > 0 && e.relError() <= e.rtnRelError() * 1.0001, e::toString);
        }
        assertEquals(List.of(8, 3, 3, 3), rep.layers().get(0).shape());
        assertEquals("32", rep.settings().get("fit_samples"));
        assertEquals("8", rep.settings().get("validation_samples"));
        assertEquals("float32", rep.settings().get("precision"));
        assertTrue(Files.isRegularFile(out.resolve(Reports.HTML_FILE)));
        assertTrue(Files.readString(out.resolve(Reports.HTML_FILE)).contains("Output Y"));

        // every artifact's size and sha256 are those of the file
        assertEquals(List.of("model.onnx"), rep.artifacts().stream().map(Artifact::path).collect(Collectors.toList()));
        for (Artifact a : rep.artifacts()) {
            assertEquals(Sha256.of(out.resolve(a.path())), a.sha256());
            assertEquals(Files.size(out.resolve(a.path())), a.bytes());
        }
        Path written = out.resolve("model.onnx");
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(written));
        List<String> ops = m.getGraph().getNodeList().stream().map(NodeProto::getOpType).collect(Collectors.toList());
        if (format.equals("qdq")) {
            assertEquals(3, ops.stream().filter("DequantizeLinear"::equals).count(), ops::toString);
        } else {
            assertEquals(2, ops.stream().filter("MatMulNBits"::equals).count(), ops::toString);
            assertEquals(1, ops.stream().filter("DequantizeLinear"::equals).count(), ops::toString); // the conv
        }

        // the drift the report states is the one of the written model on the held-out samples
        CalibrationSet held = CalibrationSplit.of(CalibrationSet.read(calib), 0.2, 0).validate();
        float[] y = TinyModel.run(model, held.array("X"));
        float[] yq = TinyModel.run(written, held.array("X"));
        int n = held.samples();
        int per = y.length / n;
        double rel = 0;
        double relMax = 0;
        double cos = 0;
        for (int s = 0; s < n; s++) {
            double d = 0;
            double yy = 0;
            double qq = 0;
            double yq2 = 0;
            for (int k = s * per; k < (s + 1) * per; k++) {
                d += (yq[k] - y[k]) * (double) (yq[k] - y[k]);
                yy += y[k] * (double) y[k];
                qq += yq[k] * (double) yq[k];
                yq2 += y[k] * (double) yq[k];
            }
            rel += Math.sqrt(d / yy) / n;
            relMax = Math.max(relMax, Math.sqrt(d / yy));
            cos += yq2 / Math.sqrt(yy * qq) / n;
        }
        Drift drift = rep.drift();
        assertNotNull(drift);
        assertEquals(8L, drift.samples());
        Drift.Output o = drift.outputs().get(0);
        assertEquals("Y", o.name());
        assertEquals(rel, o.meanRelL2(), 1e-6 * rel);
        assertEquals(relMax, o.maxRelL2(), 1e-6 * relMax);
        assertEquals(cos, o.meanCosine(), 1e-9);
        // 4-bit weights move a three-layer model's output by a few percent, not by nothing and not by all of it
        assertTrue(rel > 1e-3 && rel < 0.2, "relative drift " + rel);
        assertTrue(o.pooledCosine() == null, "no attention mask, no pooled cosine");
    }

    /** Method auto with mixed precision on parallel calibration: every layer's method and bits, in the report. */
    @Test
    void autoMethodWithMixedPrecision() throws Exception {
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("quantize", "--model", model.toString(), "--calibration", calib.toString(),
                "--method", "auto", "--bits", "3", "--avg-bits", "5",
                "--candidate-bits", "3,8", "--out", out.toString(), "--no-progress");
        assertEquals(0, r.code(), r::toString);
        ModelReport rep = report(out);
        assertEquals("parallel", rep.settings().get("calibration_mode"));
        assertEquals("parallel", rep.accuracy().calibrationMode());
        assertEquals("auto", rep.settings().get("method"));
        io.comq.report.AccuracyReport a = rep.accuracy();
        assertNotNull(a);
        assertTrue(a.averageBits() <= 5.0, "average bits " + a.averageBits());
        for (io.comq.report.AccuracyReport.Layer l : a.layers()) {
            assertTrue(l.bits() == 3 || l.bits() == 8, l.name() + " bits " + l.bits());
            assertEquals(java.util.Set.of("3", "8"), l.sensitivity().keySet());
            assertTrue(l.candidates().stream().anyMatch(c -> c.method().equals(l.method())), l.toString());
            assertNotNull(l.validationRelError());
        }
        assertTrue(Files.readString(out.resolve("report.html")).contains("bits and sensitivity per layer"));
    }

    @Test
    void excludesLayersAndOverridesBits() throws Exception {
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("quantize", "--model", model.toString(), "--calibration", calib.toString(),
                "--method", "gptq", "--exclude", "^fc2$", "--layer-bits", "conv=8", "--out", out.toString(),
                "--no-progress");
        assertEquals(0, r.code(), r::toString);
        assertEquals("", r.err(), r::toString);
        ModelReport rep = report(out);
        assertEquals(List.of("conv", "fc1"), rep.layers().stream().map(LayerEntry::name).collect(Collectors.toList()));
        assertEquals(8, rep.layers().get(0).bits());
        assertEquals(4, rep.layers().get(1).bits());
        assertEquals("gptq", rep.layers().get(1).method());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(out.resolve("model.onnx")));
        assertTrue(m.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("fc2.weight")),
                "an excluded layer keeps its float weight");

        Path out2 = dir.resolve("out2");
        r = CliRun.of("quantize", "--model", model.toString(), "--calibration", calib.toString(), "--method", "rtn",
                "--exclude-op", "Conv", "--validation-fraction", "0", "--out", out2.toString(), "--no-progress");
        assertEquals(0, r.code(), r::toString);
        rep = report(out2);
        assertEquals(List.of("fc1", "fc2"), rep.layers().stream().map(LayerEntry::name).collect(Collectors.toList()));
        assertEquals(null, rep.drift(), "nothing held out, no drift");
    }

    @Test
    void biasCorrectionIsFoldedIntoTheWrittenModel() throws Exception {
        Path plain = dir.resolve("plain");
        Path corrected = dir.resolve("corrected");
        for (Path out : List.of(plain, corrected)) {
            List<String> args = new ArrayList<>(List.of("quantize", "--model", model.toString(), "--calibration",
                    calib.toString(), "--method", "rtn", "--bits", "3", "--calibration-mode", "parallel", "--out",
                    out.toString(), "--no-progress"));
            if (out == corrected) {
                args.add("--bias-correction");
            }
            CliRun r = CliRun.of(args.toArray(new String[0]));
            assertEquals(0, r.code(), r::toString);
        }
        assertEquals("true", report(corrected).settings().get("bias_correction"));
        ModelProto a = ModelProto.parseFrom(Files.readAllBytes(plain.resolve("model.onnx")));
        ModelProto b = ModelProto.parseFrom(Files.readAllBytes(corrected.resolve("model.onnx")));
        assertTrue(!a.getGraph().equals(b.getGraph()), "the correction changes the written model");
        // same codes (RTN does not look at data) and, with parallel calibration, the same H: the layer errors are
        // equal; the outputs differ
        assertEquals(report(plain).layers().get(1).relError(), report(corrected).layers().get(1).relError());
        assertTrue(!report(plain).drift().equals(report(corrected).drift()));
    }

    @Test
    void replacesAnExistingOutputOnlyWithForce() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        String[] args = {"quantize", "--model", model.toString(), "--calibration", calib.toString(), "--method", "rtn",
                "--out", out.toString(), "--no-progress"};
        CliRun r = CliRun.of(args);
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("exists and is not empty"), r::toString);
        List<String> forced = new ArrayList<>(List.of(args));
        forced.add("--force");
        r = CliRun.of(forced.toArray(new String[0]));
        assertEquals(0, r.code(), r::toString);
        assertTrue(Files.notExists(out.resolve("old.txt")));
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).collect(Collectors.toList()),
                    "no temporary folder left beside the output");
        }
    }
}
