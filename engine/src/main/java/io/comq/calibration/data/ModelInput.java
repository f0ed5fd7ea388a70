package io.comq.calibration.data;

import io.comq.format.npy.NpyArray;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a model expects of one input: its name, element type and shape ({@code -1} or any negative value marks a
 * dynamic dimension, which accepts any size). The calibrator reads these from ONNX Runtime's
 * {@code OrtSession.getInputInfo()}.
 *
 * @param name  input name
 * @param dtype element type, as the array type that carries it
 * @param shape dimensions, outermost (batch) first
 */
public record ModelInput(String name, NpyArray.DType dtype, long[] shape) {
    public ModelInput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** True if dimension {@code axis} is dynamic. */
    public boolean isDynamic(int axis) {
        return shape[axis] < 0;
    }

    /** The shape as {@code (batch, 128)}, dynamic dimensions printed as {@code ?}. */
    public String shapeString() {
        StringBuilder sb = new StringBuilder("(");
        for (int k = 0; k < shape.length; k++) {
            sb.append(k == 0 ? "" : ", ").append(shape[k] < 0 ? "?" : Long.toString(shape[k]));
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelInput m && m.name.equals(name) && m.dtype == dtype && Arrays.equals(m.shape, shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ": " + dtype.numpyName() + " " + shapeString();
    }
}
