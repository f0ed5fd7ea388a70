package io.comq.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.data.CalibrationSet;
import io.comq.error.CalibrationMismatchException;
import io.comq.error.InvalidModelException;
import io.comq.format.npy.NpyArray;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.tensor.Matrix;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calibration through ONNX Runtime on tiny graphs whose Gram matrices are computed here by hand. */
class CalibratorTest {

    private static ScalarKernel kernel;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kernel = new ScalarKernel(2);
    }

    @AfterAll
    static void stop() {
        kernel.close();
    }

    // ---- MatMul with an attention mask ----

    private static final int B = 5;
    private static final int S = 6;
    private static final int IN = 4;
    private static final int OUT = 3;
    private static final int[] LENGTHS = {6, 3, 1, 4, 2};

    private static float[] randomFloats(Random r, int n) {
        float[] f = new float[n];
        for (int k = 0; k < n; k++) {
            f[k] = (float) r.nextGaussian();
        }
        return f;
    }

    private static CalibrationSet maskedSet(float[] x) {
        long[] mask = new long[B * S];
        for (int b = 0; b < B; b++) {
            for (int s = 0; s < LENGTHS[b]; s++) {
                mask[b * S + s] = 1;
            }
        }
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("x", NpyArray.ofFloats(new int[] {B, S, IN}, x));
        arrays.put("attention_mask", NpyArray.ofLongs(new int[] {B, S}, mask));
        return CalibrationSet.of(arrays);
    }

    /** H, column sums and count over the rows of {@code x (B, S, IN)} at real positions (all if !masked), after f. */
    private static double[][] expected(float[] x, boolean masked, boolean relu) {
        double[] h = new double[IN * IN];
        double[] sum = new double[IN];
        int n = 0;
        for (int b = 0; b < B; b++) {
            for (int s = 0; s < S; s++) {
                if (masked && s >= LENGTHS[b]) {
                    continue;
                }
                n++;
                double[] row = new double[IN];
                for (int i = 0; i < IN; i++) {
                    double v = x[(b * S + s) * IN + i];
                    boolean real = s < LENGTHS[b];
                    row[i] = relu ? (real ? Math.max(0, v) : 0) : v;
                }
                for (int i = 0; i < IN; i++) {
                    sum[i] += row[i];
                    for (int j = 0; j < IN; j++) {
                        h[i * IN + j] += row[i] * row[j];
                    }
                }
            }
        }
        return new double[][] {h, sum, {n}};
    }

    private static void assertClose(double[] want, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], got[k], 1e-9 * (1 + Math.abs(want[k])), what + " [" + k + "]");
        }
    }

    private Path save(OnnxMl.ModelProto m) throws Exception {
        Path p = dir.resolve(m.getGraph().getName() + ".onnx");
        Files.write(p, m.toByteArray());
        return p;
    }

    @Test
    void matMulGramLeavesPaddedTokensOut() throws Exception {
        Random r = new Random(11);
        float[] x = randomFloats(r, B * S * IN);
        Path model = save(TinyGraphs.maskedMatMul(randomFloats(r, IN * OUT), IN, OUT));
        List<CalibrationTarget> targets = List.of(CalibrationTarget.dense("fc", "act", IN));
        Map<String, LayerStatistics> stats = new Calibrator(kernel).calibrateAll(model, targets, maskedSet(x),
                CalibrationOptions.defaults().withBatchSize(2).withChunkRows(3), ProgressListener.NONE);

        LayerStatistics fc = stats.get("fc");
        double[][] want = expected(x, true, true);
        assertEquals(6 + 3 + 1 + 4 + 2, fc.samples(), "one row per real token, padding left out");
        assertClose(want[0], fc.gram(0).data(), "H");
        double[] mu = fc.groups().get(0).meanRow();
        for (int i = 0; i < IN; i++) {
            assertEquals(want[1][i] / want[2][0], mu[i], 1e-12);
        }
    }

    @Test
    void withoutMaskEveryPositionIsARow() throws Exception {
        Random r = new Random(12);
        float[] x = randomFloats(r, B * S * IN);
        Path model = save(TinyGraphs.maskedMatMul(randomFloats(r, IN * OUT), IN, OUT));
        List<CalibrationTarget> targets = List.of(CalibrationTarget.dense("fc", "act", IN),
                CalibrationTarget.dense("raw", "x", IN));
        Map<String, LayerStatistics> stats = new Calibrator(kernel).calibrateAll(model, targets, maskedSet(x),
                CalibrationOptions.defaults().withBatchSize(3).withMaskInput(null), ProgressListener.NONE);
        assertEquals(B * S, stats.get("fc").samples());
        assertClose(expected(x, false, true)[0], stats.get("fc").gram(0).data(), "H of act");
        // a graph input is read from the feed; unmasked, padded rows of x count too
        assertEquals(B * S, stats.get("raw").samples());
        assertClose(expected(x, false, false)[0], stats.get("raw").gram(0).data(), "H of x");
    }

    @Test
    void smallBudgetSplitsIntoPassesWithTheSameResult() throws Exception {
        Random r = new Random(13);
        float[] x = randomFloats(r, B * S * IN);
        Path model = save(TinyGraphs.maskedMatMul(randomFloats(r, IN * OUT), IN, OUT));
        List<CalibrationTarget> targets = List.of(CalibrationTarget.dense("fc", "act", IN),
                CalibrationTarget.dense("raw", "x", IN), CalibrationTarget.dense("fc_twin", "act", IN));
        List<String> stages = new ArrayList<>();
        List<String> order = new ArrayList<>();
        List<LayerStatistics> got = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void progress(Step step) {
                stages.add(step.text() + " " + step.done() + "/" + step.total());
            }
        };
        new Calibrator(kernel).calibrate(model, targets, maskedSet(x),
                CalibrationOptions.defaults().withBatchSize(2).withMaxGramBytes(IN * IN * 8), listener, s -> {
                    order.add(s.target().layerName());
                    got.add(s);
                });
        // 2 passes: {fc, fc_twin} share one Gram; raw gets its own
        assertEquals(List.of("fc", "fc_twin", "raw"), order);
        assertTrue(got.get(0).groups().get(0) == got.get(1).groups().get(0), "twins share their accumulator");
        assertEquals(List.of("calibration pass 1/2 1/3", "calibration pass 1/2 2/3", "calibration pass 1/2 3/3",
                "calibrated fc 1/3", "calibrated fc_twin 2/3", "calibration pass 2/2 1/3", "calibration pass 2/2 2/3",
                "calibration pass 2/2 3/3", "calibrated raw 3/3"), stages);
        assertClose(expected(x, true, true)[0], got.get(0).gram(0).data(), "H of act");
        double[][] raw = expected(x, true, false);
        assertEquals(16, got.get(2).samples());
        assertClose(raw[0], got.get(2).gram(0).data(), "H of x");
    }

    @Test
    void mismatchedSetIsRefusedBeforeAnyBatchRuns() throws Exception {
        Random r = new Random(14);
        Path model = save(TinyGraphs.maskedMatMul(randomFloats(r, IN * OUT), IN, OUT));
        CalibrationSet onlyX = CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {2, S, IN},
                randomFloats(r, 2 * S * IN))));
        List<String> stages = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void progress(Step step) {
                stages.add(step.text());
            }
        };
        CalibrationMismatchException e = assertThrows(CalibrationMismatchException.class,
                () -> new Calibrator(kernel).calibrate(model, List.of(CalibrationTarget.dense("fc", "act", IN)), onlyX,
                        CalibrationOptions.defaults(), listener, s -> stages.add("sink")));
        assertTrue(e.getMessage().contains("'attention_mask'"), e.getMessage());
        assertEquals(List.of(), stages);

        Map<String, NpyArray> wrongWidth = new LinkedHashMap<>();
        wrongWidth.put("x", NpyArray.ofFloats(new int[] {2, S, IN + 1}, new float[2 * S * (IN + 1)]));
        wrongWidth.put("attention_mask", NpyArray.ofLongs(new int[] {2, S}, new long[2 * S]));
        e = assertThrows(CalibrationMismatchException.class,
                () -> new Calibrator(kernel).calibrate(model, List.of(CalibrationTarget.dense("fc", "act", IN)),
                        CalibrationSet.of(wrongWidth), CalibrationOptions.defaults(), listener, s -> { }));
        assertTrue(e.getMessage().contains("axis 2 must be 4"), e.getMessage());
    }

    @Test
    void unknownTensorOrBrokenModelIsAModelError() throws Exception {
        Random r = new Random(15);
        Path model = save(TinyGraphs.maskedMatMul(randomFloats(r, IN * OUT), IN, OUT));
        CalibrationSet set = maskedSet(randomFloats(r, B * S * IN));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> new Calibrator(kernel).calibrateAll(
                model, List.of(CalibrationTarget.dense("fc", "no_such_tensor", IN)), set, CalibrationOptions.defaults(),
                ProgressListener.NONE));
        assertTrue(e.getMessage().contains("no_such_tensor"), e.getMessage());
        e = assertThrows(InvalidModelException.class, () -> new Calibrator(kernel).calibrateAll(model,
                List.of(CalibrationTarget.dense("fc", "act", IN + 2)), set, CalibrationOptions.defaults(),
                ProgressListener.NONE));
        assertTrue(e.getMessage().contains("has 6 inputs"), e.getMessage());
        Path junk = dir.resolve("junk.onnx");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5});
        assertThrows(InvalidModelException.class, () -> new Calibrator(kernel).calibrateAll(junk,
                List.of(CalibrationTarget.dense("fc", "act", IN)), set, CalibrationOptions.defaults(),
                ProgressListener.NONE));
    }

    @Test
    void nonFiniteActivationNamesTheLayerAndSamples() throws Exception {
        Path model = save(TinyGraphs.logMatMul(new float[IN * OUT], IN, OUT));
        float[] x = new float[6 * IN];
        java.util.Arrays.fill(x, 1f);
        x[4 * IN + 2] = 0f; // log(0) = -inf in sample 4
        CalibrationSet set = CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {6, IN}, x)));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> new Calibrator(kernel).calibrateAll(
                model, TinyGraphs.targets(TinyGraphs.logMatMul(new float[IN * OUT], IN, OUT)), set,
                CalibrationOptions.defaults().withBatchSize(4), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("layer 'fc' reads tensor 'logx'")
                && e.getMessage().contains("samples 4..5"), e.getMessage());
    }

    @Test
    void discoverySeesTheMatMul() {
        OnnxMl.ModelProto m = TinyGraphs.maskedMatMul(new float[IN * OUT], IN, OUT);
        assertEquals(List.of(CalibrationTarget.dense("fc", "act", IN)), TinyGraphs.targets(m));
    }

    // ---- grouped, strided, padded, dilated conv ----

    private static final ConvGeometry GEOM = new ConvGeometry(4, 2, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1);
    private static final int N = 5;
    private static final int HT = 7;
    private static final int WD = 6;
    private static final int COUT = 6;

    @Test
    void convGramIsThePatchGramPerGroup() throws Exception {
        Random r = new Random(21);
        float[] x = randomFloats(r, N * 4 * HT * WD);
        float[] w = randomFloats(r, COUT * 2 * 3 * 2);
        OnnxMl.ModelProto proto = TinyGraphs.reluConv(w, COUT, GEOM, HT, WD);
        assertEquals(List.of(CalibrationTarget.conv("conv", "act", GEOM)), TinyGraphs.targets(proto));
        Path model = save(proto);
        CalibrationSet set = CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {N, 4, HT, WD}, x)));
        Map<String, LayerStatistics> stats = new Calibrator(kernel).calibrateAll(model, TinyGraphs.targets(proto),
                set, CalibrationOptions.defaults().withBatchSize(2).withChunkRows(5), ProgressListener.NONE);
        LayerStatistics conv = stats.get("conv");
        int oh = GEOM.outH(HT);
        int ow = GEOM.outW(WD);
        assertEquals(3, oh);
        assertEquals(3, ow);
        assertEquals(2, conv.groups().size());
        assertEquals((long) N * oh * ow, conv.samples());

        float[] y = runOriginal(model, x);
        int in = GEOM.patchSize();
        assertEquals(2 * 3 * 2, in);
        for (int g = 0; g < 2; g++) {
            double[][] p = handPatches(x, g);
            // the patch layout is the one a conv weight (out, C/groups, kh, kw) reshaped to (in, out) needs:
            // patches @ W_g reproduce ONNX Runtime's conv output of that group
            for (int row = 0; row < p.length; row++) {
                int n = row / (oh * ow);
                int oy = row / ow % oh;
                int ox = row % ow;
                for (int o = 0; o < COUT / 2; o++) {
                    int oc = g * COUT / 2 + o;
                    double dot = 0;
                    for (int k = 0; k < in; k++) {
                        dot += p[row][k] * w[oc * in + k];
                    }
                    assertEquals(y[((n * COUT + oc) * oh + oy) * ow + ox], dot, 1e-4, "conv output " + row + "," + oc);
                }
            }
            double[] h = new double[in * in];
            for (double[] row : p) {
                for (int i = 0; i < in; i++) {
                    for (int j = 0; j < in; j++) {
                        h[i * in + j] += row[i] * row[j];
                    }
                }
            }
            assertClose(h, conv.gram(g).data(), "H of group " + g);
        }
    }

    /** The patches of group g written out from the definition, independently of Im2col's loop order. */
    private static double[][] handPatches(float[] x, int g) {
        int oh = GEOM.outH(HT);
        int ow = GEOM.outW(WD);
        double[][] rows = new double[N * oh * ow][12];
        for (int n = 0; n < N; n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int k = 0;
                    for (int c = 0; c < 2; c++) {
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 2; kx++) {
                                int iy = 2 * oy - 1 + 2 * ky;
                                int ix = 2 * ox - 1 + 2 * kx;
                                double v = 0;
                                if (iy >= 0 && iy < HT && ix >= 0 && ix < WD) {
                                    v = Math.max(0, x[((n * 4 + 2 * g + c) * HT + iy) * WD + ix]);
                                }
                                rows[(n * oh + oy) * ow + ox][k++] = v;
                            }
                        }
                    }
                }
            }
        }
        return rows;
    }

    private static float[] runOriginal(Path model, float[] x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model.toString(), so);
                 OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {N, 4, HT, WD});
                 OrtSession.Result res = s.run(Map.of("x", t))) {
                FloatBuffer b = ((OnnxTensor) res.get(0)).getFloatBuffer();
                float[] y = new float[b.remaining()];
                b.get(y);
                assertArrayEquals(new long[] {N, COUT, 3, 3}, ((OnnxTensor) res.get(0)).getInfo().getShape());
                return y;
            }
        }
    }

    @Test
    void planKeepsSharedTensorsTogether() {
        CalibrationTarget a = CalibrationTarget.dense("a", "t1", 10);
        CalibrationTarget b = CalibrationTarget.dense("b", "t2", 10);
        CalibrationTarget c = CalibrationTarget.dense("c", "t1", 10);
        assertEquals(List.of(List.of(a, c), List.of(b)), Calibrator.plan(List.of(a, b, c), 800));
        assertEquals(List.of(List.of(a, b, c)), Calibrator.plan(List.of(a, b, c), 1600));
        assertNull(null);
    }
}
