package io.comq.calibration.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationTarget;
import io.comq.calibration.Calibrator;
import io.comq.calibration.LayerStatistics;
import io.comq.calibration.CalibrationTargets;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.onnx.OnnxModel;
import io.comq.calibration.data.CalibrationSet;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.ProgressListener;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Padding is not data: all-MiniLM-L6-v2's statistics on padded, masked and trimmed batches equal those on single
 * sentences and those of a plain run over real tokens.
 */
class MiniLmPaddingTest {

    private static ScalarKernel kernel;

    @TempDir
    static Path dir;

    private static Path model;
    private static OnnxMl.ModelProto proto;
    private static CalibrationSet set;

    @BeforeAll
    static void start() {
        kernel = new ScalarKernel(2);
        assumeTrue(!MiniLm.englishTexts().isEmpty(),
                "no English text files found (/usr/share/common-licenses or the JDK's legal/)");
        set = MiniLm.sentences(dir, 12);
        model = MiniLm.model(dir);
        proto = Calibrator.readModel(model);
    }

    @AfterAll
    static void stop() {
        kernel.close();
    }

    /** Batches of one sentence have no padding at all: the masked, padded batches must give the same statistics. */
    @Test
    void paddedBatchesEqualUnpaddedOnes() {
        List<CalibrationTarget> targets = CalibrationTargets.of(OnnxModel.of(proto, dir).layers(LayerSelection.all()))
                .stream()
                .filter(t -> t.layerName().startsWith("/encoder/layer.0/") && t.in() == 384)
                .collect(Collectors.toList());
        assertEquals(5, targets.size());
        CalibrationSet first = set;
        Map<String, LayerStatistics> padded = new Calibrator(kernel).calibrateAll(model, targets, first,
                CalibrationOptions.defaults().withBatchSize(8), ProgressListener.NONE);
        Map<String, LayerStatistics> single = new Calibrator(kernel).calibrateAll(model, targets, first,
                CalibrationOptions.defaults().withBatchSize(1), ProgressListener.NONE);
        Map<String, LayerStatistics> unmasked = new Calibrator(kernel).calibrateAll(model, targets, first,
                CalibrationOptions.defaults().withBatchSize(8).withMaskInput(null), ProgressListener.NONE);
        for (CalibrationTarget t : targets) {
            LayerStatistics p = padded.get(t.layerName());
            LayerStatistics s = single.get(t.layerName());
            assertEquals(s.samples(), p.samples());
            assertClose(s.gram(0).data(), p.gram(0).data(), 1e-4, t.layerName());
            assertClose(s.groups().get(0).meanRow(), p.groups().get(0).meanRow(), 1e-4, t.layerName());
            assertTrue(unmasked.get(t.layerName()).samples() > p.samples(), "without the mask padding counts as rows");
        }
    }

    /**
     * The model's own output, read as a calibration target (an existing graph output), against {@code X^T X} of the
     * same output from a plain ONNX Runtime run of the untouched model on the fully padded set, real tokens only.
     */
    @Test
    void existingOutputMatchesAPlainRunOverRealTokens() throws Exception {
        CalibrationTarget last = CalibrationTarget.dense("final", "last_hidden_state", 384);
        LayerStatistics s = new Calibrator(kernel).calibrateAll(model, List.of(last), set,
                CalibrationOptions.defaults().withBatchSize(5), ProgressListener.NONE).get("final");

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] mask = set.array("attention_mask").toLongs();
        int n = set.samples();
        int len = set.array("input_ids").shape()[1];
        double[] h = new double[384 * 384];
        long rows = 0;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            Map<String, OnnxTensor> feed = new HashMap<>();
            try (OrtSession session = env.createSession(model.toString(), so)) {
                for (String name : List.of("input_ids", "attention_mask", "token_type_ids")) {
                    feed.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(set.array(name).toLongs()),
                            new long[] {n, len}));
                }
                try (OrtSession.Result r = session.run(feed)) {
                    FloatBuffer y = ((OnnxTensor) r.get("last_hidden_state").get()).getFloatBuffer();
                    for (int t = 0; t < n * len; t++) {
                        if (mask[t] == 0) {
                            continue;
                        }
                        rows++;
                        for (int i = 0; i < 384; i++) {
                            double yi = y.get(t * 384 + i);
                            for (int j = 0; j < 384; j++) {
                                h[i * 384 + j] += yi * y.get(t * 384 + j);
                            }
                        }
                    }
                }
            } finally {
                for (OnnxTensor t : feed.values()) {
                    t.close();
                }
            }
        }
        assertEquals(rows, s.samples());
        assertClose(h, s.gram(0).data(), 1e-4, "H of last_hidden_state");
    }

    private static void assertClose(double[] want, double[] got, double rel, String what) {
        double scale = 0;
        for (double v : want) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], got[k], rel * scale, what + " [" + k + "]");
        }
    }
}
