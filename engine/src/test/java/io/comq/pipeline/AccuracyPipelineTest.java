package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationPlan;
import io.comq.calibration.LayerStatistics;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.quant.method.MethodConfig;
import io.comq.numeric.Precision;
import io.comq.quant.ProgressListener;
import io.comq.numeric.TieRule;
import io.comq.quant.method.RtnConfig;
import io.comq.report.AccuracyReport;
import io.comq.report.ModelReport;
import io.comq.tensor.Matrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sequential calibration, held-out statistics, {@code --method auto}, mixed precision and the accuracy report on a
 * two-layer model {@code y = relu(x W1) W2} whose Gram matrices are computed here by hand.
 */
class AccuracyPipelineTest {
    @TempDir
    Path dir;

    static final int IN = 8;
    static final int HID = 8;
    static final int OUT = 6;
    static final int N = 40;

    float[] w1;
    float[] w2;
    float[] x;
    Path model;
    Path calib;

    @BeforeEach
    void files() throws Exception {
        Random rnd = new Random(7);
        w1 = gaussian(rnd, IN * HID);
        w2 = gaussian(rnd, HID * OUT);
        x = gaussian(rnd, N * IN);
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("two")
                .addInput(value("x", IN))
                .addOutput(value("y", OUT))
                .addInitializer(floats("W1", w1, IN, HID))
                .addInitializer(floats("W2", w2, HID, OUT))
                .addNode(node("MatMul", "fc1", List.of("x", "W1"), "h"))
                .addNode(node("Relu", "relu", List.of("h"), "r"))
                .addNode(node("MatMul", "fc2", List.of("r", "W2"), "y"))
                .build();
        model = dir.resolve("two.onnx");
        Files.write(model, OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build()
                .toByteArray());
        calib = dir.resolve("calib.npz");
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("x", NpyArray.ofFloats(new int[] {N, IN}, x));
        Npz.write(calib, arrays, false);
    }

    static final GridSpec W3 = new GridSpec(3, Grid.SYM_MAXABS, 1.0, 0, TieRule.HALF_EVEN);

    /** The second layer's H: from the quantized first layer in sequential mode, from the float one in parallel. */
    @Test
    void sequentialCalibrationSeesTheQuantizedEarlierLayers() {
        OnnxModel m = OnnxModel.load(model);
        List<OnnxLayer> layers = m.layers(LayerSelection.all());
        CalibrationPlan plan = CalibrationPlan.of(m, layers);
        Map<String, OnnxLayer> byId = new HashMap<>();
        layers.forEach(l -> byId.put(l.id(), l));
        CalibrationSplit split = CalibrationSplit.of(CalibrationSet.read(calib), 0.25, 3);
        int[] held = CalibrationSplit.validationIndices(N, 0.25, 3);
        assertEquals(10, held.length);
        for (AccuracyOptions.CalibrationMode mode : AccuracyOptions.CalibrationMode.values()) {
            Map<OnnxLayer, List<LayerResult>> done = new HashMap<>();
            Map<String, LayerStatistics[]> stats = new HashMap<>();
            try (QuantKernel kernel = new Kernels().create(KernelOptions.auto(), Precision.FLOAT64)) {
                LayerQuantizer q = new LayerQuantizer(kernel);
                LayerCalibration.run(mode, m, plan, byId, split, CalibrationOptions.defaults(), kernel,
                        dir.resolve("scratch"), ProgressListener.NONE, (fit, val) -> {
                            OnnxLayer l = byId.get(fit.target().layerName());
                            stats.put(l.id(), new LayerStatistics[] {fit, val});
                            done.put(l, List.of(q.quantize(fit.problem(m.weights(l).get(0)),
                                    LayerConfig.of(RtnConfig.of(W3)), ProgressListener.NONE)));
                        }, done);
            }
            assertTrue(Files.notExists(dir.resolve("scratch")), "scratch folder removed");
            OnnxLayer first = layers.get(0);
            OnnxLayer second = layers.get(1);
            assertEquals("fc1", first.id());
            double[] wq1 = done.get(first).get(0).wq().toF64().data();
            double[] w = new double[IN * HID];
            for (int k = 0; k < w.length; k++) {
                w[k] = w1[k];
            }
            boolean quantizedInputs = mode != AccuracyOptions.CalibrationMode.PARALLEL;
            double[] used = quantizedInputs ? wq1 : w;
            double[] other = quantizedInputs ? w : wq1;
            Matrix.F64 fitH = stats.get(second.id())[0].gram(0);
            Matrix.F64 valH = stats.get(second.id())[1].gram(0);
            assertEquals(30, stats.get(second.id())[0].samples());
            assertEquals(10, stats.get(second.id())[1].samples());
            assertClose(gram(used, held, false), fitH.data(), mode + " fit H");
            assertClose(gram(used, held, true), valH.data(), mode + " held-out H");
            assertTrue(maxDiff(gram(other, held, false), fitH.data()) > 1e-3, mode + " differs from the other mode");
            boolean joint = stats.get(second.id())[0].groups().get(0).isJoint();
            assertEquals(mode == AccuracyOptions.CalibrationMode.CORRECTED, joint, mode + " joint statistics");
            if (joint) {
                // X~^T X: the quantized first layer's outputs against the float ones, fit and held-out rows
                assertClose(gram(wq1, w, held, false), stats.get(second.id())[0].groups().get(0).cross().data(),
                        "fit X~^T X");
                assertClose(gram(wq1, w, held, true), stats.get(second.id())[1].groups().get(0).cross().data(),
                        "held-out X~^T X");
            }
        }
    }

    /** {@code relu(x W)^T relu(x W)} over the fit rows (or the held-out rows). */
    private double[] gram(double[] w, int[] held, boolean heldOut) {
        return gram(w, w, held, heldOut);
    }

    /** {@code relu(x A)^T relu(x B)} over the fit rows (or the held-out rows). */
    private double[] gram(double[] wa, double[] wb, int[] held, boolean heldOut) {
        double[] h = new double[HID * HID];
        for (int n = 0; n < N; n++) {
            boolean isHeld = java.util.Arrays.binarySearch(held, n) >= 0;
            if (isHeld != heldOut) {
                continue;
            }
            double[] ra = relu(n, wa);
            double[] rb = relu(n, wb);
            for (int a = 0; a < HID; a++) {
                for (int b = 0; b < HID; b++) {
                    h[a * HID + b] += ra[a] * rb[b];
                }
            }
        }
        return h;
    }

    /** {@code relu(x_n W)} for sample {@code n}, with W rounded to float32 as the model stores it. */
    private double[] relu(int n, double[] w) {
        double[] r = new double[HID];
        for (int j = 0; j < HID; j++) {
            double s = 0;
            for (int i = 0; i < IN; i++) {
                s += (double) x[n * IN + i] * (float) w[i * HID + j];
            }
            r[j] = Math.max(0, s);
        }
        return r;
    }

    private static void assertClose(double[] want, double[] got, String what) {
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(maxDiff(want, got) <= 1e-4 * scale, what + ": max diff " + maxDiff(want, got));
    }

    private static double maxDiff(double[] a, double[] b) {
        double d = 0;
        for (int k = 0; k < a.length; k++) {
            d = Math.max(d, Math.abs(a[k] - b[k]));
        }
        return d;
    }

    private ModelJob job(LayerConfig layer, AccuracyOptions a) {
        return new ModelJob(model, calib, null, dir.resolve("out"), OutputFormat.QDQ, layer, LayerSelection.all(), 8,
                0.25, 3, KernelOptions.auto(), true, a);
    }

    /** Auto keeps, per layer, the candidate with the lowest held-out error; the report says so for every layer. */
    @Test
    void autoPicksTheLowestHeldOutErrorAndReportsIt() throws Exception {
        ModelReport r = new ModelQuantizer().quantize(job(LayerConfig.of(AutoConfig.standard(W3, Precision.FLOAT32)),
                AccuracyOptions.defaults().withCalibrationMode(AccuracyOptions.CalibrationMode.SEQUENTIAL)), null);
        AccuracyReport a = r.accuracy();
        assertNotNull(a);
        assertEquals("sequential", a.calibrationMode());
        assertEquals("sequential", r.settings().get("calibration_mode"));
        assertEquals(2, a.layers().size());
        for (AccuracyReport.Layer l : a.layers()) {
            if (l.reason().startsWith("whole-model check")) {
                assertTrue(a.warnings().stream().anyMatch(w -> w.startsWith("method auto, whole model")), a.toString());
            } else {
                assertEquals(6, l.candidates().size());
                double best = l.candidates().stream().mapToDouble(AccuracyReport.Candidate::validationRelError).min()
                        .orElseThrow();
                assertEquals(best, l.validationRelError(), 0);
                assertTrue(l.reason().contains("held-out"), l.reason());
            }
            assertEquals(3, l.bits());
            assertNull(l.sensitivity());
        }
        assertEquals(5, a.worstSamples().size());
        for (int k = 1; k < 5; k++) {
            assertTrue(a.worstSamples().get(k - 1).cosine() <= a.worstSamples().get(k).cosine());
        }
        int[] held = CalibrationSplit.validationIndices(N, 0.25, 3);
        for (AccuracyReport.SampleDrift s : a.worstSamples()) {
            assertTrue(java.util.Arrays.binarySearch(held, s.sample()) >= 0, "sample " + s.sample() + " is held out");
        }
        String json = Files.readString(dir.resolve("out").resolve("report.json"));
        assertTrue(json.contains("\"worst_samples\"") && json.contains("\"validation_rel_error\""), json);
        String html = Files.readString(dir.resolve("out").resolve("report.html"));
        assertTrue(html.contains("Held-out accuracy") && html.contains("drifted most"));
        assertTrue(Files.notExists(dir.resolve("out").resolve(ModelQuantizer.SCRATCH)));
    }

    /**
     * With parallel calibration the model auto writes drifts no more on the held-out samples than the model of any
     * single candidate run alone: a candidate's whole model inside auto is exactly that method's, and the whole-model
     * check keeps the least drifting.
     */
    @Test
    void autoDriftsNoMoreThanAnySingleCandidate() {
        AccuracyOptions.CalibrationMode mode = AccuracyOptions.CalibrationMode.PARALLEL;
        AccuracyOptions a = AccuracyOptions.defaults().withCalibrationMode(mode);
        AutoConfig auto = AutoConfig.standard(W3, Precision.FLOAT32);
        double chosen = Sensitivity.drift(new ModelQuantizer().quantize(job(LayerConfig.of(auto), a), null).drift());
        for (MethodConfig m : auto.candidates()) {
            double alone = Sensitivity.drift(new ModelQuantizer().quantize(job(LayerConfig.of(m), a), null).drift());
            assertTrue(chosen <= alone + 1e-12, mode + ": auto drifts " + chosen + ", " + m.label()
                    + " alone " + alone);
        }
    }

    /** By default a model of MatMul layers is calibrated corrected; the report names the mode used and the one asked. */
    @Test
    void autoCalibrationCorrectsADenseModel() {
        ModelReport r = new ModelQuantizer().quantize(job(LayerConfig.of(new RtnConfig(W3, Precision.FLOAT32)),
                AccuracyOptions.defaults()), null);
        assertEquals(AccuracyOptions.CalibrationMode.AUTO, AccuracyOptions.defaults().calibrationMode());
        assertEquals("corrected", r.settings().get("calibration_mode"));
        assertEquals("auto", r.settings().get("calibration_mode_asked"));
        assertEquals("corrected", r.accuracy().calibrationMode());
        ModelReport parallel = new ModelQuantizer().quantize(job(LayerConfig.of(new RtnConfig(W3, Precision.FLOAT32)),
                AccuracyOptions.defaults().withCalibrationMode(AccuracyOptions.CalibrationMode.PARALLEL)), null);
        assertEquals("parallel", parallel.settings().get("calibration_mode"));
        assertNull(parallel.settings().get("calibration_mode_asked"));
    }

    /**
     * A cancellation token stops the run at its next safe point once it says so: here after the first quantized layer,
     * with the engine's own {@link io.comq.error.CancelledException} and no output folder; the listener only listens.
     */
    @Test
    void aCancelledRunStopsAtTheNextStepAndWritesNothing() {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<String> steps = new java.util.ArrayList<>();
        io.comq.quant.ProgressListener listener = new io.comq.quant.ProgressListener() {
            @Override
            public void progress(io.comq.quant.Step step) {
                steps.add(step.text());
                if (step.kind() == io.comq.quant.Step.Kind.LAYER_QUANTIZED) {
                    stop.set(true);
                }
            }
        };
        ModelJob j = new ModelJob(model, calib, null, dir.resolve("cancelled"), OutputFormat.QDQ,
                LayerConfig.of(new RtnConfig(W3, Precision.FLOAT32)), LayerSelection.all(), 8, 0.25, 3,
                KernelOptions.auto(), true,
                AccuracyOptions.defaults().withCalibrationMode(AccuracyOptions.CalibrationMode.PARALLEL));
        assertThrows(io.comq.error.CancelledException.class,
                () -> new ModelQuantizer().stoppingWhen(stop::get).quantize(j, listener));
        assertEquals(1, steps.stream().filter(t -> t.startsWith("quantized ")).count(), steps.toString());
        assertFalse(java.nio.file.Files.exists(j.out()), "nothing written");
    }

    /** The budget holds, every layer gets a candidate width, and the sensitivities are in the report and chart. */
    @Test
    void mixedPrecisionStaysWithinTheBudget() throws Exception {
        // fc1 has 64 weights, fc2 48: at 5.5 bits on average (616 bits) fc2 fits at 8 bits (48 * 8 + 64 * 3 = 576),
        // fc1 does not (64 * 8 + 48 * 3 = 656)
        AccuracyOptions a = AccuracyOptions.defaults().withMixedPrecision(5.5, List.of(3, 8));
        ModelReport r = new ModelQuantizer().quantize(job(LayerConfig.of(new RtnConfig(W3, Precision.FLOAT32)), a),
                null);
        AccuracyReport acc = r.accuracy();
        assertEquals(576.0 / 112, acc.averageBits(), 1e-12);
        assertEquals(3, acc.layers().get(0).bits());
        assertEquals(8, acc.layers().get(1).bits());
        assertEquals(8, r.layers().get(1).bits());
        for (AccuracyReport.Layer l : acc.layers()) {
            assertEquals(2, l.sensitivity().size());
            assertTrue(l.sensitivity().get("8") < l.sensitivity().get("3"), l.sensitivity().toString());
        }
        String html = Files.readString(dir.resolve("out").resolve("report.html"));
        assertTrue(html.contains("bits and sensitivity per layer"), "chart present");
        assertThrows(InvalidConfigException.class, () -> AccuracyOptions.defaults().withMixedPrecision(4.0, List.of(4)));
        assertThrows(InvalidConfigException.class, () -> new ModelQuantizer().quantize(job(LayerConfig.of(
                new RtnConfig(W3, Precision.FLOAT32)), AccuracyOptions.defaults().withMixedPrecision(2.5,
                List.of(3, 8))), null));
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static OnnxMl.ValueInfoProto value(String name, int cols) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(OnnxMl.TensorShapeProto.newBuilder()
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("n"))
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(cols))))).build();
    }

    private static TensorProto floats(String name, float[] v, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return TensorProto.newBuilder().setName(name).addDims(rows).addDims(cols)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array())).build();
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).build();
    }
}
