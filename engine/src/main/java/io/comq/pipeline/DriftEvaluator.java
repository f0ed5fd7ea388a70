package io.comq.pipeline;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.OrtTensors;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.ModelInput;
import io.comq.error.InvalidModelException;
import io.comq.format.npy.NpyArray;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.report.Drift;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the float model and the quantized model side by side in ONNX Runtime ({@code BASIC_OPT}, so that QDQ is not
 * fused into dynamically quantized matmuls) over held-out samples and measures how far every float output moved.
 */
final class DriftEvaluator {
    private DriftEvaluator() {
    }

    /** Per-output sums over samples. */
    private static final class Acc {
        final String name;
        long samples;
        double relSum;
        double relMax;
        double cosSum;
        long pooledSamples;
        double pooledCosSum;

        Acc(String name) {
            this.name = name;
        }
    }

    /** Receives each evaluated sample's drift per output. */
    interface SampleSink {
        /**
         * @param sample the sample's index in the evaluated set
         * @param cosine the pooled cosine where there is one, else the cosine of the flattened outputs
         */
        void accept(int sample, String output, double cosine, double relL2);
    }

    /**
     * The drift of {@code quantized} against {@code reference} on {@code data}.
     *
     * @param maskInput the input whose zeros mark padding (for the pooled cosine), or null
     */
    static Drift evaluate(OrtSession reference, OrtSession quantized, CalibrationSet data, int batchSize,
                          String maskInput, ProgressListener progress) {
        return evaluate(reference, quantized, data, batchSize, maskInput, progress, null);
    }

    /** {@link #evaluate(OrtSession, OrtSession, CalibrationSet, int, String, ProgressListener)}, each sample's drift
     * also handed to {@code samples} (unless null). */
    static Drift evaluate(OrtSession reference, OrtSession quantized, CalibrationSet data, int batchSize,
                          String maskInput, ProgressListener progress, SampleSink samples) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try {
            List<ModelInput> inputs = OrtTensors.inputs(reference);
            data.checkAgainst(inputs);
            int batch = batchSize;
            for (ModelInput in : inputs) {
                long[] s = in.shape();
                if (s.length > 0 && s[0] > 0) {
                    batch = (int) s[0];
                }
            }
            int batches = data.samples() / batch + (inputsDynamic(inputs) && data.samples() % batch != 0 ? 1 : 0);
            Map<String, Acc> accs = new LinkedHashMap<>();
            for (String name : reference.getOutputNames()) {
                accs.put(name, new Acc(name));
            }
            double diffSq = 0;
            double refSq = 0;
            double maxAbs = 0;
            long evaluated = 0;
            for (int b = 0; b < batches; b++) {
                int from = b * batch;
                int to = Math.min(data.samples(), from + batch);
                Map<String, NpyArray> feed = data.batch(from, to);
                long[] mask = null;
                int maskSeq = -1;
                NpyArray m = maskInput == null ? null : feed.get(maskInput);
                if (m != null && m.ndim() == 2) {
                    mask = m.dtype().isFloat() ? toLongs(m.toDoubles()) : m.toLongs();
                    maskSeq = m.shape()[1];
                }
                Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
                try {
                    for (Map.Entry<String, NpyArray> e : feed.entrySet()) {
                        tensors.put(e.getKey(), OrtTensors.tensor(env, e.getValue()));
                    }
                    try (OrtSession.Result rf = reference.run(tensors); OrtSession.Result rq = quantized.run(tensors)) {
                        for (Acc acc : accs.values()) {
                            OnnxTensor f = floatTensor(rf.get(acc.name));
                            OnnxTensor q = floatTensor(rq.get(acc.name));
                            if (f == null || q == null) {
                                continue;
                            }
                            long[] shape = f.getInfo().getShape();
                            float[] y = OrtTensors.floats(acc.name, f);
                            float[] yq = OrtTensors.floats(acc.name, q);
                            if (y.length != yq.length) {
                                throw new InvalidModelException("the quantized model's output '" + acc.name + "' has "
                                        + yq.length + " values, the float model's " + y.length);
                            }
                            int rows = shape.length > 0 && shape[0] == to - from ? to - from : 1;
                            int per = y.length / rows;
                            double[] rowRel = new double[rows];
                            double[] rowCos = new double[rows];
                            for (int r = 0; r < rows; r++) {
                                double d = 0;
                                double yy = 0;
                                double qq = 0;
                                double yq2 = 0;
                                for (int k = r * per; k < (r + 1) * per; k++) {
                                    double diff = (double) yq[k] - y[k];
                                    d += diff * diff;
                                    yy += (double) y[k] * y[k];
                                    qq += (double) yq[k] * yq[k];
                                    yq2 += (double) y[k] * yq[k];
                                    maxAbs = Math.max(maxAbs, Math.abs(diff));
                                }
                                diffSq += d;
                                refSq += yy;
                                double rel = yy > 0 ? Math.sqrt(d / yy) : Math.sqrt(d);
                                acc.relSum += rel;
                                acc.relMax = Math.max(acc.relMax, rel);
                                acc.cosSum += cosine(yq2, yy, qq);
                                acc.samples++;
                                rowRel[r] = rel;
                                rowCos[r] = cosine(yq2, yy, qq);
                            }
                            if (mask != null && shape.length == 3 && rows == to - from && shape[1] == maskSeq) {
                                double[] pooled = pooled(acc, y, yq, mask, rows, maskSeq, (int) shape[2]);
                                for (int r = 0; r < rows; r++) {
                                    rowCos[r] = Double.isNaN(pooled[r]) ? rowCos[r] : pooled[r];
                                }
                            }
                            if (samples != null && rows == to - from) {
                                for (int r = 0; r < rows; r++) {
                                    samples.accept(from + r, acc.name, rowCos[r], rowRel[r]);
                                }
                            }
                        }
                    }
                } finally {
                    for (OnnxTensor t : tensors.values()) {
                        t.close();
                    }
                }
                evaluated += to - from;
                progress.progress(Step.of(Step.Kind.EVALUATION, null, b + 1, batches));
            }
            List<Drift.Output> outputs = new ArrayList<>();
            for (Acc a : accs.values()) {
                if (a.samples > 0) {
                    outputs.add(new Drift.Output(a.name, a.relSum / a.samples, a.relMax, a.cosSum / a.samples,
                            a.pooledSamples > 0 ? a.pooledCosSum / a.pooledSamples : null));
                }
            }
            if (outputs.isEmpty()) {
                return new Drift(evaluated, null, null, null, null, null, List.of());
            }
            return new Drift(evaluated, refSq > 0 ? Math.sqrt(diffSq / refSq) : Math.sqrt(diffSq), maxAbs, null, null,
                    null, outputs);
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime failed while evaluating the quantized model: "
                    + e.getMessage(), e);
        }
    }

    private static boolean inputsDynamic(List<ModelInput> inputs) {
        for (ModelInput in : inputs) {
            long[] s = in.shape();
            if (s.length > 0 && s[0] > 0) {
                return false;
            }
        }
        return true;
    }

    /** Cosine of the mask-mean-pooled {@code (rows, seq, hidden)} outputs, per row (NaN for an all-padding row). */
    private static double[] pooled(Acc acc, float[] y, float[] yq, long[] mask, int rows, int seq, int hidden) {
        double[] cos = new double[rows];
        java.util.Arrays.fill(cos, Double.NaN);
        for (int r = 0; r < rows; r++) {
            double[] a = new double[hidden];
            double[] b = new double[hidden];
            int count = 0;
            for (int t = 0; t < seq; t++) {
                if (mask[r * seq + t] == 0) {
                    continue;
                }
                count++;
                int base = (r * seq + t) * hidden;
                for (int h = 0; h < hidden; h++) {
                    a[h] += y[base + h];
                    b[h] += yq[base + h];
                }
            }
            if (count == 0) {
                continue;
            }
            double ab = 0;
            double aa = 0;
            double bb = 0;
            for (int h = 0; h < hidden; h++) {
                ab += a[h] * b[h];
                aa += a[h] * a[h];
                bb += b[h] * b[h];
            }
            cos[r] = cosine(ab, aa, bb);
            acc.pooledCosSum += cos[r];
            acc.pooledSamples++;
        }
        return cos;
    }

    private static double cosine(double ab, double aa, double bb) {
        if (aa == 0 && bb == 0) {
            return 1;
        }
        if (aa == 0 || bb == 0) {
            return 0;
        }
        return ab / Math.sqrt(aa * bb);
    }

    private static long[] toLongs(double[] d) {
        long[] out = new long[d.length];
        for (int k = 0; k < d.length; k++) {
            out[k] = d[k] != 0 ? 1 : 0;
        }
        return out;
    }

    private static OnnxTensor floatTensor(Optional<OnnxValue> v) {
        if (v.isEmpty() || !(v.get() instanceof OnnxTensor)) {
            return null;
        }
        OnnxTensor t = (OnnxTensor) v.get();
        switch (t.getInfo().onnxType) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16:
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
                return t;
            default:
                return null;
        }
    }
}
