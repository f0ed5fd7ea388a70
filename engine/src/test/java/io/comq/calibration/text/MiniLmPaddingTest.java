package io.comq.calibration.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationTarget;
import io.comq.calibration.Calibrator;
import io.comq.calibration.LayerStatistics;
import io.comq.calibration.SimpleTargetFinder;
import io.comq.calibration.data.CalibrationSet;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.ProgressListener;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Padding is not data: all-MiniLM-L6-v2's statistics on padded batches equal those on single sentences. */
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
        List<CalibrationTarget> targets = SimpleTargetFinder.find(proto).stream()
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
