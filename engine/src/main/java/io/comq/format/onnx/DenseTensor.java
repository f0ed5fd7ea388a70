package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.comq.error.InvalidModelException;
import io.comq.tensor.Matrix;
import java.util.List;

/**
 * A floating-point tensor read from a model, any rank, row-major.
 *
 * @param name     tensor name in the graph
 * @param shape    dimensions, outermost first
 * @param type     element type as stored (FLOAT, FLOAT16, BFLOAT16 or DOUBLE)
 * @param values   elements in row-major order, widened to double (exact for every stored type)
 */
public record DenseTensor(String name, List<Long> shape, DataType type, double[] values) {
    public DenseTensor {
        shape = List.copyOf(shape);
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + shape + " but " + values.length
                    + " values");
        }
    }

    public int rank() {
        return shape.size();
    }

    public long dim(int axis) {
        return shape.get(axis);
    }

    /**
     * This tensor as a {@code (rows, cols)} matrix (a reshape, no copy of the order): float64 for DOUBLE tensors,
     * float32 otherwise.
     */
    public Matrix reshape(int rows, int cols) {
        if ((long) rows * cols != values.length) {
            throw new InvalidModelException("tensor " + name + " of shape " + shape + " cannot be viewed as (" + rows
                    + ", " + cols + ")");
        }
        if (type == DataType.DOUBLE) {
            return new Matrix.F64(rows, cols, values);
        }
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) values[k];
        }
        return new Matrix.F32(rows, cols, f);
    }
}
