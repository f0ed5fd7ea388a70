package io.comq.asset;

import io.micronaut.core.annotation.Introspected;
import java.util.List;

/**
 * What the engine found in an uploaded calibration set.
 *
 * @param format  {@code npz} or {@code safetensors}
 * @param samples samples per array (the first axis)
 * @param arrays  its arrays in file order
 */
@Introspected
public record CalibrationInfo(String format, int samples, List<Array> arrays) {

    /**
     * One array.
     *
     * @param name  its name (a model input's name)
     * @param dtype numpy's name of its element type
     * @param shape its dimensions, samples first
     */
    @Introspected
    public record Array(String name, String dtype, List<Integer> shape) {
    }
}
