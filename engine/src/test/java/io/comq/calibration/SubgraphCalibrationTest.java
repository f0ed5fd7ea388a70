package io.comq.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import io.comq.calibration.data.CalibrationSet;
import io.comq.error.InvalidModelException;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.kernel.KernelOptions;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.layer.LayerConfig;
import io.comq.option.OptionNames;
import io.comq.pipeline.ModelJob;
import io.comq.pipeline.ModelQuantizer;
import io.comq.pipeline.OutputFormat;
import io.comq.quant.GridSpec;
import io.comq.quant.ProgressListener;
import io.comq.quant.method.ComqConfig;
import io.comq.report.LayerEntry;
import io.comq.report.ModelReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers inside {@code If} branches and {@code Loop} bodies are calibrated on exactly the activations they see: a
 * branch on the samples that take it, a loop body on every iteration. Checked against Gram matrices computed by hand.
 */
class SubgraphCalibrationTest {
    @TempDir
    Path dir;

    static final int D = 8;
    static final int N = 12;
    static final int BOOL = OnnxMl.TensorProto.DataType.BOOL_VALUE;

    /**
     * {@code If(sum(x) > 0) { Relu(x) @ Wt } else { (x * two) @ We }}, {@code two} an outer-scope initializer, then
     * {@code @ Wc} in the main graph.
     */
    static OnnxMl.ModelProto ifModel(Random r) {
        OnnxMl.GraphProto then = OnnxMl.GraphProto.newBuilder().setName("then")
                .addOutput(TinyGraphs.value("yt", TinyGraphs.FLOAT, -1, D))
                .addInitializer(TinyGraphs.floats("Wt", random(r, D * D), D, D))
                .addNode(TinyGraphs.node("Relu", "relu", List.of("x"), List.of("rt")))
                .addNode(TinyGraphs.node("MatMul", "mm_t", List.of("rt", "Wt"), List.of("yt"))).build();
        OnnxMl.GraphProto els = OnnxMl.GraphProto.newBuilder().setName("else")
                .addOutput(TinyGraphs.value("ye", TinyGraphs.FLOAT, -1, D))
                .addInitializer(TinyGraphs.floats("We", random(r, D * D), D, D))
                .addNode(TinyGraphs.node("Mul", "mul", List.of("x", "two"), List.of("xe")))
                .addNode(TinyGraphs.node("MatMul", "mm_e", List.of("xe", "We"), List.of("ye"))).build();
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("if_model")
                .addInput(TinyGraphs.value("x", TinyGraphs.FLOAT, -1, D))
                .addOutput(TinyGraphs.value("z", TinyGraphs.FLOAT, -1, D))
                .addInitializer(TinyGraphs.floats("two", new float[] {2f}))
                .addInitializer(TinyGraphs.floats("zero", new float[] {0f}))
                .addInitializer(TinyGraphs.floats("Wc", random(r, D * D), D, D))
                .addNode(TinyGraphs.node("ReduceSum", "sum", List.of("x"), List.of("s"), TinyGraphs.intAttr("keepdims", 0)))
                .addNode(TinyGraphs.node("Greater", "gt", List.of("s", "zero"), List.of("cond")))
                .addNode(TinyGraphs.node("If", "if", List.of("cond"), List.of("y"),
                        graph("then_branch", then), graph("else_branch", els)))
                .addNode(TinyGraphs.node("MatMul", "mm_c", List.of("y", "Wc"), List.of("z"))).build();
        return TinyGraphs.model(g);
    }

    /** {@code h = x; 3 times: h = Tanh(h @ Wl)}, Wl an outer-scope initializer; then {@code z = h}. */
    static OnnxMl.ModelProto loopModel(Random r) {
        OnnxMl.GraphProto body = OnnxMl.GraphProto.newBuilder().setName("body")
                .addInput(TinyGraphs.value("iter", TinyGraphs.INT64))
                .addInput(TinyGraphs.value("cond_in", BOOL))
                .addInput(TinyGraphs.value("h", TinyGraphs.FLOAT, -1, D))
                .addOutput(TinyGraphs.value("cond_out", BOOL))
                .addOutput(TinyGraphs.value("h2", TinyGraphs.FLOAT, -1, D))
                .addNode(TinyGraphs.node("Identity", "keep", List.of("cond_in"), List.of("cond_out")))
                .addNode(TinyGraphs.node("MatMul", "mm_l", List.of("h", "Wl"), List.of("hw")))
                .addNode(TinyGraphs.node("Tanh", "tanh", List.of("hw"), List.of("h2"))).build();
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("loop_model")
                .addInput(TinyGraphs.value("x", TinyGraphs.FLOAT, -1, D))
                .addOutput(TinyGraphs.value("z", TinyGraphs.FLOAT, -1, D))
                .addInitializer(TinyGraphs.floats("Wl", random(r, D * D), D, D))
                .addInitializer(TinyGraphs.longs("trips", new long[] {3}))
                .addInitializer(OnnxMl.TensorProto.newBuilder().setName("go").setDataType(BOOL).addInt32Data(1))
                .addNode(TinyGraphs.node("Loop", "loop", List.of("trips", "go", "x"), List.of("z"),
                        graph("body", body))).build();
        return TinyGraphs.model(g);
    }

    /** {@code Scan} over x {@code (T, 3, D)} along axis 0: each step {@code x_t @ Ws}, stacked into y. */
    static OnnxMl.ModelProto scanModel(Random r) {
        OnnxMl.GraphProto body = OnnxMl.GraphProto.newBuilder().setName("scan_body")
                .addInput(TinyGraphs.value("xt", TinyGraphs.FLOAT, 3, D))
                .addOutput(TinyGraphs.value("yt", TinyGraphs.FLOAT, 3, D))
                .addNode(TinyGraphs.node("Abs", "abs", List.of("xt"), List.of("at")))
                .addNode(TinyGraphs.node("MatMul", "mm_s", List.of("at", "Ws"), List.of("yt"))).build();
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("scan_model")
                .addInput(TinyGraphs.value("x", TinyGraphs.FLOAT, -1, 3, D))
                .addOutput(TinyGraphs.value("y", TinyGraphs.FLOAT, -1, 3, D))
                .addInitializer(TinyGraphs.floats("Ws", random(r, D * D), D, D))
                .addNode(TinyGraphs.node("Scan", "scan", List.of("x"), List.of("y"), graph("body", body),
                        TinyGraphs.intAttr("num_scan_inputs", 1), TinyGraphs.ints("scan_output_axes", 0)))
                .build();
        return TinyGraphs.model(g);
    }

    static OnnxMl.AttributeProto graph(String name, OnnxMl.GraphProto g) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.GRAPH)
                .setG(g).build();
    }

    @Test
    void ifBranchesSeeTheSamplesThatTakeThem() {
        Random r = new Random(11);
        OnnxMl.ModelProto proto = ifModel(r);
        float[] x = random(r, N * D);
        OnnxModel model = OnnxModel.of(proto, dir);
        List<OnnxLayer> layers = model.layers(LayerSelection.all());
        assertEquals(List.of("mm_c", "if.then_branch/mm_t", "if.else_branch/mm_e"),
                layers.stream().map(OnnxLayer::id).collect(Collectors.toList()));
        Map<String, LayerStatistics> s = calibrate(CalibrationPlan.of(model, layers), x, 1);

        double[] ht = new double[D * D];
        double[] he = new double[D * D];
        int taken = 0;
        for (int i = 0; i < N; i++) {
            double sum = 0;
            for (int j = 0; j < D; j++) {
                sum += x[i * D + j];
            }
            float[] row = new float[D];
            for (int j = 0; j < D; j++) {
                row[j] = sum > 0 ? Math.max(0, x[i * D + j]) : 2 * x[i * D + j];
            }
            addOuter(sum > 0 ? ht : he, row);
            taken += sum > 0 ? 1 : 0;
        }
        assertTrue(taken > 0 && taken < N, "both branches are taken: " + taken);
        assertEquals(taken, s.get("if.then_branch/mm_t").samples());
        assertEquals(N - taken, s.get("if.else_branch/mm_e").samples());
        assertEquals(N, s.get("mm_c").samples());
        assertClose(ht, s.get("if.then_branch/mm_t").gram(0).data(), "H of the then branch");
        assertClose(he, s.get("if.else_branch/mm_e").gram(0).data(), "H of the else branch");
    }

    @Test
    void aBranchNotTakenAddsNoRowsWhateverTheRankOfTheValue() {
        Random r = new Random(16);
        OnnxMl.ModelProto flat = ifModel(r);
        OnnxMl.GraphProto.Builder g = flat.getGraph().toBuilder();
        g.setInput(0, TinyGraphs.value("x", TinyGraphs.FLOAT, -1, 3, D));
        g.setOutput(0, TinyGraphs.value("z", TinyGraphs.FLOAT, -1, 3, D));
        OnnxModel model = OnnxModel.of(flat.toBuilder().setGraph(g).build(), dir);
        float[] x = random(r, 4 * 3 * D);
        x[0] = 100f;
        CalibrationPlan plan = CalibrationPlan.of(model, model.layers(LayerSelection.all()));
        CalibrationSet set = CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {4, 3, D}, x)));
        Map<String, LayerStatistics> out = new LinkedHashMap<>();
        try (ScalarKernel kernel = new ScalarKernel(1)) {
            new Calibrator(kernel, null).calibrate(plan.model(), plan.targets(), set,
                    CalibrationOptions.defaults().withBatchSize(4), ProgressListener.NONE,
                    st -> out.put(st.target().layerName(), st));
        }
        assertEquals(12, out.get("if.then_branch/mm_t").samples(), "the whole batch took the then branch");
        assertEquals(0, out.get("if.else_branch/mm_e").samples());
    }

    @Test
    void loopBodiesSeeEveryIteration() {
        Random r = new Random(12);
        OnnxMl.ModelProto proto = loopModel(r);
        float[] x = random(r, N * D);
        OnnxModel model = OnnxModel.of(proto, dir);
        List<OnnxLayer> layers = model.layers(LayerSelection.all());
        assertEquals(List.of("loop.body/mm_l"), layers.stream().map(OnnxLayer::id).collect(Collectors.toList()));
        LayerStatistics s = calibrate(CalibrationPlan.of(model, layers), x, 5).get("loop.body/mm_l");
        assertEquals(3L * N, s.samples(), "one row per sample per iteration");

        double[] w = model.tensor("", "Wl").values();
        double[] h = new double[D * D];
        for (int i = 0; i < N; i++) {
            float[] row = java.util.Arrays.copyOfRange(x, i * D, (i + 1) * D);
            for (int it = 0; it < 3; it++) {
                addOuter(h, row);
                float[] next = new float[D];
                for (int o = 0; o < D; o++) {
                    double acc = 0;
                    for (int k = 0; k < D; k++) {
                        acc += row[k] * w[k * D + o];
                    }
                    next[o] = (float) Math.tanh(acc);
                }
                row = next;
            }
        }
        assertClose(h, s.gram(0).data(), "H over the three iterations");
    }

    @Test
    void scanBodiesSeeEveryStep() {
        Random r = new Random(15);
        OnnxModel model = OnnxModel.of(scanModel(r), dir);
        List<OnnxLayer> layers = model.layers(LayerSelection.all());
        assertEquals(List.of("scan.body/mm_s"), layers.stream().map(OnnxLayer::id).collect(Collectors.toList()));
        CalibrationPlan plan = CalibrationPlan.of(model, layers);
        OnnxMl.NodeProto scan = plan.model().getGraph().getNode(0);
        assertEquals(List.of(0L, 0L), scan.getAttributeList().stream()
                .filter(a -> a.getName().equals("scan_output_axes")).findFirst().orElseThrow().getIntsList(),
                "the new scan output is stacked on axis 0 like the others");
        float[] x = random(r, N * 3 * D);
        CalibrationSet set = CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {N, 3, D}, x)));
        LayerStatistics s;
        try (ScalarKernel kernel = new ScalarKernel(1)) {
            s = new Calibrator(kernel, null).calibrateAll(save(plan.model()), plan.targets(), set,
                    CalibrationOptions.defaults().withBatchSize(4), ProgressListener.NONE).get("scan.body/mm_s");
        }
        assertEquals(3L * N, s.samples(), "one row per batch row per step");
        double[] h = new double[D * D];
        for (int i = 0; i < N * 3; i++) {
            float[] row = new float[D];
            for (int j = 0; j < D; j++) {
                row[j] = Math.abs(x[i * D + j]);
            }
            addOuter(h, row);
        }
        assertClose(h, s.gram(0).data(), "H over every step");
    }

    private Path save(OnnxMl.ModelProto proto) {
        return TinyGraphs.save(dir.resolve("plan.onnx"), proto);
    }

    @Test
    void layersInOtherSubgraphsAreRefusedWithTheFix() {
        Random r = new Random(13);
        OnnxMl.ModelProto loop = loopModel(r);
        OnnxMl.GraphProto.Builder g = loop.getGraph().toBuilder();
        g.setNode(0, g.getNode(0).toBuilder().setOpType("SequenceMap"));
        OnnxModel model = OnnxModel.of(loop.toBuilder().setGraph(g).build(), dir);
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> CalibrationPlan.of(model, model.layers(LayerSelection.all())));
        assertTrue(e.getMessage().contains("loop (SequenceMap)") && OptionNames.CLI.render(e.getMessage()).contains("--exclude"),
                e.getMessage());
    }

    @Test
    void theWholePipelineQuantizesLayersInsideSubgraphs() throws Exception {
        Random r = new Random(14);
        for (OnnxMl.ModelProto proto : List.of(ifModel(r), loopModel(r))) {
            Path m = dir.resolve(proto.getGraph().getName() + ".onnx");
            Files.write(m, proto.toByteArray());
            Path calib = dir.resolve(proto.getGraph().getName() + ".npz");
            Npz.write(calib, Map.of("x", NpyArray.ofFloats(new int[] {40, D}, random(r, 40 * D))), false);
            Path out = dir.resolve(proto.getGraph().getName() + "-q");
            ModelReport rep = new ModelQuantizer().quantize(new ModelJob(m, calib, null, out, OutputFormat.QDQ,
                    LayerConfig.of(ComqConfig.of(GridSpec.defaults())), LayerSelection.all(), 1, 0.25, 0,
                    KernelOptions.auto(), false), null);
            for (LayerEntry l : rep.layers()) {
                assertTrue(l.relError() <= l.rtnRelError() + 1e-9, l.name() + " COMQ not worse than RTN");
            }
            assertTrue(rep.layers().stream().anyMatch(l -> l.name().contains("/")), "subgraph layers quantized");
            double cos = rep.drift().outputs().get(0).meanCosine();
            assertTrue(cos > 0.95, proto.getGraph().getName() + ": 4-bit output cosine " + cos);
        }
    }

    @Test
    void aBranchThatNoSampleTakesIsStillQuantized() throws Exception {
        Random r = new Random(17);
        OnnxMl.ModelProto proto = ifModel(r);
        Path m = TinyGraphs.save(dir.resolve("if-once.onnx"), proto);
        float[] x = random(r, 40 * D);
        for (int k = 0; k < x.length; k++) {
            x[k] = Math.abs(x[k]);
        }
        Path calib = dir.resolve("positive.npz");
        Npz.write(calib, Map.of("x", NpyArray.ofFloats(new int[] {40, D}, x)), false);
        ModelReport rep = new ModelQuantizer().quantize(new ModelJob(m, calib, null, dir.resolve("q-once"),
                OutputFormat.QDQ, LayerConfig.of(ComqConfig.of(GridSpec.defaults())), LayerSelection.all(), 4, 0.25, 0,
                KernelOptions.auto(), false), null);
        LayerEntry never = rep.layers().stream().filter(l -> l.name().equals("if.else_branch/mm_e")).findFirst()
                .orElseThrow();
        assertTrue(never.guards().contains(LayerStatistics.NO_SAMPLES), never.guards().toString());
        assertEquals(never.rtnRelError(), never.relError(), 1e-12, "weight-only: the codes of round-to-nearest");
        LayerEntry taken = rep.layers().stream().filter(l -> l.name().equals("if.then_branch/mm_t")).findFirst()
                .orElseThrow();
        assertTrue(taken.relError() < taken.rtnRelError() && !taken.guards().contains(LayerStatistics.NO_SAMPLES));
    }

    private Map<String, LayerStatistics> calibrate(CalibrationPlan plan, float[] x, int batch) {
        CalibrationSet set = CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {N, D}, x)));
        Map<String, LayerStatistics> out = new LinkedHashMap<>();
        try (ScalarKernel kernel = new ScalarKernel(1)) {
            new Calibrator(kernel, plan.externalDataDir()).calibrate(plan.model(), plan.targets(), set,
                    CalibrationOptions.defaults().withBatchSize(batch), ProgressListener.NONE,
                    st -> out.put(st.target().layerName(), st));
        }
        return out;
    }

    private static void addOuter(double[] h, float[] row) {
        for (int i = 0; i < D; i++) {
            for (int j = 0; j < D; j++) {
                h[i * D + j] += (double) row[i] * row[j];
            }
        }
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < expected.length; k++) {
            assertEquals(expected[k], actual[k], 1e-5 * scale, what + " [" + k + "]");
        }
    }

    private static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int k = 0; k < n; k++) {
            f[k] = (float) (r.nextGaussian() * 0.5);
        }
        return f;
    }
}
