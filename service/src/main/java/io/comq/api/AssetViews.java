package io.comq.api;

import io.comq.asset.Asset;
import io.comq.asset.CalibrationInfo;
import io.comq.asset.ModelInfo;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import java.time.Instant;
import java.util.List;

/** The JSON views of uploads. */
final class AssetViews {
    private AssetViews() {
    }

    /**
     * A model: what was stored and what the engine found in it.
     *
     * @param id      use it as {@code modelId} of a job
     * @param name    the name given at upload
     * @param format  {@code onnx} or {@code safetensors}
     * @param size    bytes
     * @param sha256  of the bytes, lower-case hex
     * @param created when it was stored
     * @param opset   the ONNX opset (ONNX only)
     * @param layers  the quantizable layers
     * @param inputs  the model inputs a calibration set must provide (ONNX only)
     */
    @Introspected
    record ModelView(String id, String name, String format, long size, String sha256, Instant created,
                     @Nullable Long opset, List<ModelInfo.Layer> layers, List<ModelInfo.Input> inputs) {
        static ModelView of(Asset a, ModelInfo i) {
            return new ModelView(a.id(), a.name(), a.format(), a.sizeBytes(), a.sha256(), a.createdAt(), i.opset(),
                    i.layers(), i.inputs());
        }
    }

    /**
     * A calibration set.
     *
     * @param id      use it as {@code calibrationSetId} of a job
     * @param name    the name given at upload
     * @param format  {@code npz} or {@code safetensors}
     * @param size    bytes
     * @param sha256  of the bytes
     * @param created when it was stored
     * @param samples samples per array
     * @param arrays  name, dtype and shape of each array
     */
    @Introspected
    record CalibrationSetView(String id, String name, String format, long size, String sha256, Instant created,
                              int samples, List<CalibrationInfo.Array> arrays) {
        static CalibrationSetView of(Asset a, CalibrationInfo i) {
            return new CalibrationSetView(a.id(), a.name(), a.format(), a.sizeBytes(), a.sha256(), a.createdAt(),
                    i.samples(), i.arrays());
        }
    }
}
