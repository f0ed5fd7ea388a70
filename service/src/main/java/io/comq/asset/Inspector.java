package io.comq.asset;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.OrtTensors;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.ModelInput;
import io.comq.error.InvalidModelException;
import io.comq.format.npy.NpyArray;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.format.safetensors.LinearLayer;
import io.comq.format.safetensors.LinearLayers;
import io.comq.format.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads an uploaded file with the engine and says what it holds; a file the engine cannot use is refused with the
 * engine's typed error ({@link io.comq.error.InvalidInputException}), which names the problem.
 */
public final class Inspector {
    private Inspector() {
    }

    /** An ONNX model (loaded and opened in ONNX Runtime) or a single-file safetensors checkpoint. */
    public static ModelInfo model(Path file) {
        if (isSafetensors(file)) {
            SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(file);
            List<ModelInfo.Layer> layers = new ArrayList<>();
            for (LinearLayer l : LinearLayers.find(ck)) {
                layers.add(new ModelInfo.Layer(l.prefix(), "Linear", l.tensor(), List.of((long) l.out(), (long) l.in())));
            }
            return new ModelInfo("safetensors", null, layers, List.of());
        }
        OnnxModel model = OnnxModel.load(file);
        List<ModelInfo.Layer> layers = new ArrayList<>();
        for (OnnxLayer l : model.layers(LayerSelection.all())) {
            layers.add(new ModelInfo.Layer(l.id(), l.opType(), l.weightName(), l.weightShape()));
        }
        List<ModelInfo.Input> inputs = new ArrayList<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
             OrtSession session = OrtEnvironment.getEnvironment().createSession(file.toString(), so)) {
            for (ModelInput in : OrtTensors.inputs(session)) {
                inputs.add(ModelInfo.Input.of(in));
            }
        } catch (OrtException e) {
            throw new InvalidModelException("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
        return new ModelInfo("onnx", model.opset(), layers, inputs);
    }

    /** A calibration set: {@code .npz} or safetensors, finite values, one sample count. */
    public static CalibrationInfo calibration(Path file) {
        CalibrationSet set = CalibrationSet.read(file);
        List<CalibrationInfo.Array> arrays = new ArrayList<>();
        for (Map.Entry<String, NpyArray> e : set.arrays().entrySet()) {
            List<Integer> shape = new ArrayList<>();
            for (int d : e.getValue().shape()) {
                shape.add(d);
            }
            arrays.add(new CalibrationInfo.Array(e.getKey(), e.getValue().dtype().numpyName(), shape));
        }
        return new CalibrationInfo(isZip(file) ? "npz" : "safetensors", set.samples(), arrays);
    }

    /** A safetensors file: an 8-byte little-endian header length, then a JSON object. */
    static boolean isSafetensors(Path file) {
        byte[] head = firstBytes(file, 9);
        return head.length == 9 && head[8] == '{' && head[6] == 0 && head[7] == 0;
    }

    private static boolean isZip(Path file) {
        byte[] head = firstBytes(file, 2);
        return head.length == 2 && head[0] == 'P' && head[1] == 'K';
    }

    private static byte[] firstBytes(Path file, int n) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
