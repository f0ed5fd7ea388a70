package io.comq.calibration.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationTarget;
import io.comq.calibration.CalibrationTargets;
import io.comq.calibration.Calibrator;
import io.comq.calibration.LayerStatistics;
import io.comq.calibration.data.CalibrationSet;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.onnx.OnnxModel;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-MiniLM-L6-v2 calibrated through ONNX Runtime on 64 English sentences, every MatMul layer. About 30 s on two cores
 * (the Gram accumulation of 36 layers dominates), hence slow.
 */
@Tag("slow")
class MiniLmCalibrationTest {

    private static ScalarKernel kernel;

    @TempDir
    static Path dir;

    private static Path model;
    private static OnnxMl.ModelProto proto;
    private static CalibrationSet set;
    private static long realTokens;

    @BeforeAll
    static void start() throws IOException {
        kernel = new ScalarKernel(2);
        assumeTrue(!MiniLm.englishTexts().isEmpty(),
                "no English text files found (/usr/share/common-licenses or the JDK's legal/)");
        set = MiniLm.sentences(dir, 64);
        for (long m : set.array("attention_mask").toLongs()) {
            realTokens += m;
        }
        model = MiniLm.model(dir);
        proto = Calibrator.readModel(model);
    }

    @AfterAll
    static void stop() {
        kernel.close();
    }

    @Test
    void everyMatMulGetsASymmetricPsdGramOverRealTokens() {
        List<CalibrationTarget> targets = CalibrationTargets.of(OnnxModel.of(proto, dir).layers(LayerSelection.all()));
        assertEquals(36, targets.size(), "6 layers x (query, key, value, attention output, intermediate, output)");
        List<String> stages = new ArrayList<>();
        ProgressListener listener = new ProgressListener() {
            @Override
            public void progress(Step step) {
                stages.add(step.text() + " " + step.done() + "/" + step.total());
            }
        };
        Map<String, LayerStatistics> stats = new Calibrator(kernel).calibrateAll(model, targets, set,
                CalibrationOptions.defaults().withBatchSize(16), listener);
        assertEquals(36, stats.size());
        assertTrue(stages.contains("calibration pass 1/1 4/4"), stages.toString());
        assertTrue(stages.contains("calibrated /encoder/layer.5/output/dense/MatMul 36/36"), stages.toString());
        assertTrue(realTokens < (long) set.samples() * set.array("input_ids").shape()[1], "the set has padding");

        Random rnd = new Random(3);
        for (CalibrationTarget t : targets) {
            LayerStatistics s = stats.get(t.layerName());
            int in = t.layerName().endsWith("output/dense/MatMul") && !t.layerName().contains("attention") ? 1536 : 384;
            assertEquals(in, t.in(), t.layerName());
            Matrix.F64 h = s.gram(0);
            assertEquals(in, h.rows());
            assertEquals(in, h.cols());
            assertEquals(realTokens, s.samples(), t.layerName() + ": one row per real token, padding masked out");
            assertSymmetricPsd(h, rnd, t.layerName());
        }
        // query, key and value read the same tensor: one Gram matrix
        assertSame(stats.get("/encoder/layer.3/attention/self/query/MatMul").groups().get(0),
                stats.get("/encoder/layer.3/attention/self/value/MatMul").groups().get(0));
    }

    private static void assertSymmetricPsd(Matrix.F64 h, Random rnd, String what) {
        int n = h.rows();
        double[] a = h.data();
        double trace = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(a[i * n + i] >= 0, what + ": negative diagonal");
            trace += a[i * n + i];
            for (int j = 0; j < i; j++) {
                assertEquals(a[i * n + j], a[j * n + i], 1e-12 * Math.abs(a[i * n + j]), what + ": not symmetric");
            }
        }
        assertTrue(trace > 0, what + ": empty Gram");
        for (int r = 0; r < 3; r++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextGaussian();
            }
            double q = 0;
            for (int i = 0; i < n; i++) {
                double hv = 0;
                for (int j = 0; j < n; j++) {
                    hv += a[i * n + j] * v[j];
                }
                q += v[i] * hv;
            }
            assertTrue(q >= -1e-9 * trace * n, what + ": v^T H v = " + q);
        }
    }
}
