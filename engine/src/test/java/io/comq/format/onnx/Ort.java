package io.comq.format.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs a model file in a real ONNX Runtime session (BASIC_OPT, so QDQ numbers are not changed by fusions). */
final class Ort {
    private final Map<String, Object> inputs = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new HashMap<>();

    Ort input(String name, float[] data, long... shape) {
        inputs.put(name, data);
        shapes.put(name, shape);
        return this;
    }

    Ort input(String name, boolean scalar) {
        inputs.put(name, scalar);
        return this;
    }

    /** The first output, flattened. */
    float[] run(Path model) {
        return runAll(model).get(0);
    }

    List<float[]> runAll(Path model) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession s = env.createSession(model.toString(), so)) {
                Map<String, OnnxTensor> feed = new HashMap<>();
                try {
                    for (Map.Entry<String, Object> e : inputs.entrySet()) {
                        Object v = e.getValue();
                        feed.put(e.getKey(), v instanceof float[]
                                ? OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) v), shapes.get(e.getKey()))
                                : OnnxTensor.createTensor(env, v));
                    }
                    try (OrtSession.Result r = s.run(feed)) {
                        List<float[]> out = new ArrayList<>();
                        for (Map.Entry<String, OnnxValue> e : r) {
                            FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
                            float[] a = new float[b.remaining()];
                            b.get(a);
                            out.add(a);
                        }
                        return out;
                    }
                } finally {
                    feed.values().forEach(OnnxTensor::close);
                }
            }
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime failed on " + model + ": " + e.getMessage(), e);
        }
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": " + actual.length + " outputs, expected " + expected.length);
        }
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double tol = 1e-5 * (1 + scale);
        for (int k = 0; k < expected.length; k++) {
            if (!(Math.abs(expected[k] - actual[k]) <= tol)) {
                throw new AssertionError(what + ": output " + k + " is " + actual[k] + ", expected " + expected[k]
                        + " (tolerance " + tol + ")");
            }
        }
    }
}
