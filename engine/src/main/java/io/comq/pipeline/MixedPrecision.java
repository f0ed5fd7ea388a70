package io.comq.pipeline;

import ai.onnxruntime.OrtSession;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationPlan;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.kernel.QuantKernel;
import io.comq.layer.LayerConfig;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Mixed precision for a job with {@code avgBits}: measure every layer's sensitivity, then choose its bits. */
final class MixedPrecision {
    private MixedPrecision() {
    }

    /**
     * Measures sensitivities ({@link Sensitivity}), allocates bits ({@link BitAllocator}) and replaces each layer's
     * config in {@code configs} by the job's settings at its bits.
     *
     * @return the sensitivity per layer, by candidate bits in ascending order
     */
    static Map<OnnxLayer, double[]> choose(ModelJob job, OnnxModel model, List<OnnxLayer> layers,
                                           CalibrationPlan plan, Map<String, OnnxLayer> byId,
                                           CalibrationSplit split, QuantKernel kernel, OrtSession reference,
                                           OrtSession.SessionOptions so, Path scratch, ProgressListener progress,
                                           Map<OnnxLayer, LayerConfig> configs) {
        int[] bits = BitAllocator.parseBits(job.accuracy().candidateBits());
        CalibrationOptions options = CalibrationOptions.defaults().withBatchSize(job.batchSize())
                .withMaskInput(ModelQuantizer.MASK_INPUT);
        Map<OnnxLayer, double[]> sensitivity = Sensitivity.measure(job, model, layers, plan, byId, split, options,
                kernel, bits, reference, so, scratch, progress);
        long[] weights = new long[layers.size()];
        double[][] s = new double[layers.size()][];
        for (int k = 0; k < layers.size(); k++) {
            OnnxLayer l = layers.get(k);
            weights[k] = (long) l.in() * l.out() * l.groups();
            s[k] = sensitivity.get(l);
        }
        int[] chosen = BitAllocator.allocate(weights, bits, s, job.accuracy().avgBits());
        for (int k = 0; k < layers.size(); k++) {
            LayerConfig c = RunSettings.configFor(job, chosen[k]);
            RunSettings.checkGroups(c, layers.get(k).id(), layers.get(k).in());
            configs.put(layers.get(k), c);
        }
        progress.progress(Step.of(Step.Kind.MIXED_PRECISION, String.format(java.util.Locale.ROOT,
                "%.3f bits per weight on average", BitAllocator.average(weights, chosen)), layers.size(),
                layers.size()));
        return sensitivity;
    }
}
