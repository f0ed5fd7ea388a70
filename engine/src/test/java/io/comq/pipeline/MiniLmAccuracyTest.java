package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comq.calibration.text.MiniLm;
import io.comq.calibration.text.TextCalibration;
import io.comq.format.npy.NpyArray;
import io.comq.format.onnx.LayerSelection;
import io.comq.kernel.KernelOptions;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.report.AccuracyReport;
import io.comq.report.ModelReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-MiniLM-L6-v2 quantized whole through {@link ModelQuantizer} with the accuracy settings (parallel, sequential
 * or corrected calibration, sym-mse grid, GPTQ act_order, COMQ started from it, {@code --method auto}), calibrated on 256 sentences of licence
 * texts (20 % of them held out for model selection and the report) and measured on 64 sentences of OTHER licence
 * texts: mean and minimum cosine of the mean-pooled, normalized sentence embeddings against the float model (the
 * measure of issue 7).
 *
 * <p>The table: {@code -Dcomq.minilm.accuracy=w4-rtn-mse-par,w4-auto-mse-cor,...} (names: see {@link #method}), each row appended
 * to {@code target/minilm-accuracy.txt} as it finishes.
 */
@Tag("slow")
class MiniLmAccuracyTest {
    @TempDir
    static Path dir;

    static final int CALIBRATION_SENTENCES = 256;
    static final double VALIDATION_FRACTION = 0.2;
    /** Calibration texts: the ones of {@link MiniLmQuantizeTest} and one more, none of the evaluation texts. */
    static final List<String> CALIBRATION_FILES = List.of("Apache-2.0", "GPL-3", "GFDL-1.3");

    static Path model;
    static Path calibration;
    static List<String> evalSentences;
    static Map<String, NpyArray> evaluation;
    static float[][] reference;

    @BeforeAll
    static void data() {
        assumeTrue(Files.isDirectory(MiniLmQuantizeTest.LICENSES), "no /usr/share/common-licenses");
        model = MiniLm.model(dir);
        List<String> calib = TextCalibration.sentences(MiniLmQuantizeTest.files(CALIBRATION_FILES),
                5, CALIBRATION_SENTENCES);
        List<String> eval = TextCalibration.sentences(MiniLmQuantizeTest.files(MiniLmQuantizeTest.EVALUATION_FILES),
                5, MiniLmQuantizeTest.EVALUATION_SENTENCES);
        assertEquals(CALIBRATION_SENTENCES, calib.size());
        calibration = dir.resolve("calib.npz");
        TextCalibration.writeNpz(calibration, calib, MiniLm.tokenizer(), 128);
        evaluation = TextCalibration.encode(eval, MiniLm.tokenizer(), 128);
        evalSentences = eval;
        reference = MiniLmQuantizeTest.embeddings(model, evaluation);
    }

    /** One measured setting. */
    record Row(String name, double meanCos, double minCos, ModelReport report, double seconds) {
        String line() {
            AccuracyReport a = report.accuracy();
            Map<String, Integer> chosen = new LinkedHashMap<>();
            for (AccuracyReport.Layer l : a.layers()) {
                chosen.merge(l.method(), 1, Integer::sum);
            }
            return String.format(Locale.ROOT, "%-24s mean %.4f min %.4f  held-out pooled %.4f  avg bits %.3f  %6.1f s"
                    + "  %s", name, meanCos, minCos, report.drift().outputs().get(0).pooledCosine(), a.averageBits(),
                    seconds, chosen.size() > 1 ? chosen : chosen.size() == 1 && a.warnings().stream()
                            .anyMatch(w -> w.startsWith("method auto, whole model")) ? "whole model: " + chosen : "");
        }
    }

    private static final Pattern NAME = Pattern.compile("w(\\d)(?:g(\\d+))?-"
            + "(rtn|gptq|gptqao|comq|comqgptq|comqao|comqaosu|comqaod|auto)(-mse)?(-seq|-par|-cor)?(?:-mix(\\d+(?:\\.\\d+)?))?");

    /**
     * The method of a setting name {@code w<bits>[g<group>]-<method>[-mse][-seq|-par|-cor]}: rtn, gptq, gptqao
     * (act_order), comq (init fp), comqgptq (init gptq), comqao (init gptq act_order), comqaosu (+ scale update),
     * comqaod (+ damping 0.1), auto; {@code -mse} for the sym-mse grid; calibration sequential ({@code -seq}),
     * parallel ({@code -par}), corrected ({@code -cor}) or, without a suffix, auto (the default: corrected here);
     * {@code -mix4.25} for mixed precision at that average over 3, 4 and 8 bits.
     */
    static ModelJob job(String name, Path out) {
        Matcher m = NAME.matcher(name);
        assertTrue(m.matches(), "setting name " + name);
        GridSpec g = new GridSpec(Integer.parseInt(m.group(1)), m.group(4) != null ? Grid.SYM_MSE : Grid.SYM_MAXABS,
                1.0, m.group(2) == null ? 0 : Integer.parseInt(m.group(2)), TieRule.HALF_EVEN);
        AccuracyOptions.CalibrationMode mode = m.group(5) == null ? AccuracyOptions.CalibrationMode.AUTO
                : switch (m.group(5)) {
                    case "-par" -> AccuracyOptions.CalibrationMode.PARALLEL;
                    case "-cor" -> AccuracyOptions.CalibrationMode.CORRECTED;
                    default -> AccuracyOptions.CalibrationMode.SEQUENTIAL;
                };
        AccuracyOptions a = AccuracyOptions.defaults().withCalibrationMode(mode);
        if (m.group(6) != null) {
            a = a.withMixedPrecision(Double.parseDouble(m.group(6)), AccuracyOptions.DEFAULT_CANDIDATE_BITS);
        }
        return new ModelJob(model, calibration, null, out, OutputFormat.QDQ, LayerConfig.of(method(m.group(3), g)),
                LayerSelection.all(), 32, VALIDATION_FRACTION, 0, KernelOptions.auto(), true, a);
    }

    static MethodConfig method(String id, GridSpec g) {
        Precision p = Precision.FLOAT32;
        GptqConfig ao = new GptqConfig(g, GptqConfig.DEFAULT_DAMP, true, GptqConfig.DEFAULT_BLOCK_SIZE, p);
        ComqConfig comq = ComqConfig.of(g).withPrecision(p);
        switch (id) {
            case "rtn":
                return new RtnConfig(g, p);
            case "gptq":
                return GptqConfig.of(g).withPrecision(p);
            case "gptqao":
                return ao;
            case "comq":
                return comq;
            case "comqgptq":
                return comq.withInit(ComqConfig.Init.GPTQ);
            case "comqao":
                return comq.withGptqInit(ao);
            case "comqaosu":
                return comq.withGptqInit(ao).withScaleUpdate(ComqConfig.ScaleUpdate.POST);
            case "comqaod":
                return comq.withGptqInit(ao).withDamp(AutoConfig.CANDIDATE_COMQ_DAMP);
            case "auto":
            default:
                return AutoConfig.standard(g, p);
        }
    }

    static Row run(String name) {
        Path out = dir.resolve("q-" + name);
        long t0 = System.nanoTime();
        ModelReport report = new ModelQuantizer().quantize(job(name, out), null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        float[][] q = MiniLmQuantizeTest.embeddings(out.resolve(ModelQuantizer.MODEL_FILE), evaluation);
        double sum = 0;
        double min = 1;
        double[] cos = new double[q.length];
        for (int i = 0; i < q.length; i++) {
            double d = 0;
            for (int k = 0; k < q[i].length; k++) {
                d += (double) q[i][k] * reference[i][k];
            }
            cos[i] = d;
            sum += d;
            min = Math.min(min, d);
        }
        Row row = new Row(name, sum / q.length, min, report, seconds);
        System.out.println(row.line());
        java.util.stream.IntStream.range(0, cos.length).boxed()
                .sorted(java.util.Comparator.comparingDouble(i -> cos[i])).limit(3)
                .forEach(i -> System.out.printf(Locale.ROOT, "  worst: %.4f  #%d  %s%n", cos[i], i,
                        evalSentences.get(i).length() > 100 ? evalSentences.get(i).substring(0, 100) + "..."
                                : evalSentences.get(i)));
        try {
            Files.writeString(Paths.get("target", "minilm-accuracy.txt"), row.line() + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return row;
    }

    /**
     * Issue 7's targets at 4 bits per channel, with COMQ started from GPTQ act_order codes on the sym-mse grid and
     * parallel calibration (the quickest of the settings that meet them; corrected calibration does better, see
     * docs/ACCURACY.md): mean cosine at least 0.98 and the worst sentence at least 0.93 (measured 0.9880 / 0.9751).
     */
    @Test
    void w4PerChannelMeetsTheTargets() {
        Row r = run("w4-comqao-mse-par");
        assertTrue(r.meanCos() >= 0.98, "W4 mean cosine " + r.meanCos() + " (target 0.98)");
        assertTrue(r.minCos() >= 0.93, "W4 min cosine " + r.minCos() + " (target 0.93)");
        AccuracyReport a = r.report().accuracy();
        assertEquals(36, a.layers().size());
        assertEquals(AccuracyOptions.DEFAULT_WORST_SAMPLES, a.worstSamples().size());
        for (AccuracyReport.Layer l : a.layers()) {
            assertTrue(l.validationRelError() != null && l.validationRelError() > 0, l.toString());
        }
    }

    /** Issue 3's and 7's target with groups of 64 along the input: mean cosine at least 0.99 (measured 0.9909). */
    @Test
    void w4Group64MeetsTheTarget() {
        Row r = run("w4g64-comqao-mse-par");
        assertTrue(r.meanCos() >= 0.99, "W4 g64 mean cosine " + r.meanCos() + " (target 0.99)");
    }

    @Test
    void table() {
        String runs = System.getProperty("comq.minilm.accuracy", "");
        assumeTrue(!runs.isBlank(), "the accuracy table runs with -Dcomq.minilm.accuracy=NAME,...");
        for (String name : runs.split(",")) {
            run(name.trim());
        }
    }
}
