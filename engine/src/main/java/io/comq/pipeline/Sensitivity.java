package io.comq.pipeline;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.CalibrationOptions;
import io.comq.calibration.CalibrationPlan;
import io.comq.calibration.Calibrator;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidModelException;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.format.onnx.OnnxWriter;
import io.comq.format.onnx.QuantFormat;
import io.comq.format.onnx.WriteOptions;
import io.comq.kernel.QuantKernel;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.option.Setting;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.report.Drift;
import io.comq.tensor.Matrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures how much each layer, quantized alone at each candidate bit width, moves the whole model's outputs on the
 * held-out samples: the model with only that layer quantized is written, run in ONNX Runtime next to the float model,
 * and its drift taken as the mean over outputs of {@code 1 - cosine} (the pooled cosine where there is one). Layers
 * are calibrated in one parallel pass; the method is the job's ({@code auto} measures with GPTQ act_order, its
 * cheapest strong candidate).
 */
final class Sensitivity {
    private Sensitivity() {
    }

    /** {@code [candidate]} drift per layer. */
    static Map<OnnxLayer, double[]> measure(ModelJob job, OnnxModel model, List<OnnxLayer> layers,
                                            CalibrationPlan plan, Map<String, OnnxLayer> byId,
                                            CalibrationSplit split, CalibrationOptions options, QuantKernel kernel,
                                            int[] bits, OrtSession reference, OrtSession.SessionOptions so,
                                            Path scratch, ProgressListener progress) {
        if (!split.hasValidation()) {
            throw new InvalidConfigException("mixed precision (" + Setting.AVG_BITS.ref()
                    + ") measures each layer's effect on held-out "
                    + "samples: set " + Setting.VALIDATION_FRACTION.ref() + " above 0");
        }
        LayerQuantizer quantizer = new LayerQuantizer(kernel);
        Map<OnnxLayer, double[]> out = new HashMap<>();
        try {
            Files.createDirectories(scratch);
            Path file = scratch.resolve("one-layer.onnx");
            new Calibrator(kernel, plan.externalDataDir()).calibrate(plan.model(), plan.targets(), split.fit(), options,
                    ProgressListener.NONE,
                    stats -> {
                        OnnxLayer l = byId.get(stats.target().layerName());
                        List<Matrix> ws = model.weights(l);
                        double[] drift = new double[bits.length];
                        for (int c = 0; c < bits.length; c++) {
                            LayerConfig config = config(job, bits[c]);
                            List<LayerResult> rs = new ArrayList<>();
                            for (int g = 0; g < ws.size(); g++) {
                                rs.add(quantizer.quantize(ws.size() == 1 ? stats.problem(ws.get(0))
                                        : stats.problem(g, ws.get(g)), config, ProgressListener.NONE));
                            }
                            drift[c] = drift(model, Map.of(l, rs), file, reference, so, split.validate(),
                                    job.batchSize(), "the model with layer " + l.id() + " quantized");
                        }
                        out.put(l, drift);
                        progress.progress(Step.of(Step.Kind.SENSITIVITY, l.id(), out.size(), layers.size()));
                    });
        } catch (java.io.IOException e) {
            throw new InvalidConfigException("cannot use the scratch folder " + scratch + ": " + e.getMessage());
        } finally {
            LayerCalibration.delete(scratch);
        }
        return out;
    }

    /**
     * The held-out drift ({@link #drift(Drift)}) of the model with these layers quantized, written to {@code file}
     * (overwritten).
     *
     * @param what the model in an error message
     */
    static double drift(OnnxModel model, Map<OnnxLayer, List<LayerResult>> results, Path file, OrtSession reference,
                        OrtSession.SessionOptions so, CalibrationSet validate, int batchSize, String what) {
        new OnnxWriter().write(model, results, file, WriteOptions.of(QuantFormat.QDQ));
        try (OrtSession q = OrtEnvironment.getEnvironment().createSession(file.toString(), so)) {
            return drift(DriftEvaluator.evaluate(reference, q, validate, batchSize, ModelQuantizer.MASK_INPUT,
                    ProgressListener.NONE));
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime cannot run " + what + ": " + e.getMessage(), e);
        }
    }

    /** Mean over outputs of {@code 1 - cosine}, pooled where measured. */
    static double drift(Drift d) {
        double sum = 0;
        int n = 0;
        for (Drift.Output o : d.outputs()) {
            sum += 1 - (o.pooledCosine() != null ? o.pooledCosine() : o.meanCosine());
            n++;
        }
        return n == 0 ? 0 : Math.max(0, sum / n);
    }

    private static LayerConfig config(ModelJob job, int bits) {
        LayerConfig c = RunSettings.configFor(job, bits);
        if (c.method() instanceof AutoConfig a) {
            MethodConfig m = new GptqConfig(a.grid(), GptqConfig.DEFAULT_DAMP, true, GptqConfig.DEFAULT_BLOCK_SIZE,
                    a.precision());
            return new LayerConfig(m, c.biasCompensation());
        }
        return c;
    }
}
