package io.comq.format.safetensors;

import io.comq.tensor.Float16;
import io.comq.error.InvalidInputException;
import io.comq.tensor.Matrix;
import java.lang.reflect.Array;
import java.util.Arrays;

/**
 * An n-dimensional array read from or written to safetensors: its dtype, shape and elements in C (row-major) order.
 *
 * @param dtype element type
 * @param shape dimensions, outermost first ({@code []} for a scalar)
 * @param data  the array type of {@code dtype} ({@link DType#arrayType()}), C order
 */
public record Tensor(DType dtype, int[] shape, Object data) {

    /** @throws IllegalArgumentException if {@code data} is not the array type of {@code dtype} or does not fit the shape */
    public Tensor {
        if (dtype == null || shape == null || data == null) {
            throw new IllegalArgumentException("dtype, shape and data are required");
        }
        if (data.getClass() != dtype.arrayType()) {
            throw new IllegalArgumentException("dtype " + dtype.id() + " needs a " + dtype.arrayType().getSimpleName()
                    + ", got " + data.getClass().getSimpleName());
        }
        shape = shape.clone();
        long n = elements(shape);
        if (n != Array.getLength(data)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " declares " + n + " elements, data has "
                    + Array.getLength(data));
        }
    }

    public static Tensor f32(int[] shape, float[] data) {
        return new Tensor(DType.F32, shape, data);
    }

    public static Tensor i32(int[] shape, int[] data) {
        return new Tensor(DType.I32, shape, data);
    }

    /** Float16 tensor from float16 bits. */
    public static Tensor f16(int[] shape, short[] bits) {
        return new Tensor(DType.F16, shape, bits);
    }

    /** A matrix as a 2-D tensor (F32 or F64, data shared). */
    public static Tensor of(Matrix m) {
        if (m instanceof Matrix.F32 f) {
            return new Tensor(DType.F32, new int[] {f.rows(), f.cols()}, f.data());
        }
        Matrix.F64 d = (Matrix.F64) m;
        return new Tensor(DType.F64, new int[] {d.rows(), d.cols()}, d.data());
    }

    /** Number of elements (the product of the shape; 1 for a scalar). */
    public long size() {
        return elements(shape);
    }

    /** Bytes the elements occupy in the file. */
    public long bytes() {
        return size() * dtype.itemSize();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    static long elements(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /**
     * This 2-D float tensor as a matrix: F32, F16 and BF16 become {@link Matrix.F32} (F32 data shared), F64 becomes
     * {@link Matrix.F64}.
     *
     * @throws InvalidInputException if the tensor is not 2-D or not a float type
     */
    public Matrix toMatrix() {
        if (shape.length != 2) {
            throw new InvalidInputException("expected a 2-D matrix, got a tensor of shape " + Arrays.toString(shape));
        }
        if (dtype == DType.F64) {
            return new Matrix.F64(shape[0], shape[1], (double[]) data);
        }
        return new Matrix.F32(shape[0], shape[1], toFloats());
    }

    /**
     * The elements as float32 in C order (F32 shared, F16/BF16 converted exactly, F64 rounded).
     *
     * @throws InvalidInputException if the tensor does not hold floats
     */
    public float[] toFloats() {
        switch (dtype) {
            case F32:
                return (float[]) data;
            case F64: {
                double[] d = (double[]) data;
                float[] f = new float[d.length];
                for (int k = 0; k < d.length; k++) {
                    f[k] = (float) d[k];
                }
                return f;
            }
            case F16:
            case BF16: {
                short[] s = (short[]) data;
                float[] f = new float[s.length];
                boolean half = dtype == DType.F16;
                for (int k = 0; k < s.length; k++) {
                    f[k] = half ? Float16.toFloat(s[k]) : Float16.bf16ToFloat(s[k]);
                }
                return f;
            }
            default:
                throw new InvalidInputException("expected a float tensor (F64, F32, F16 or BF16), got " + dtype.id()
                        + " of shape " + Arrays.toString(shape));
        }
    }

    /** Equal when dtype, shape and every element agree. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && Arrays.deepEquals(new Object[] {t.data}, new Object[] {data});
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(shape) + dtype.hashCode()) + Arrays.deepHashCode(new Object[] {data});
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype.id() + ", " + Arrays.toString(shape) + ")";
    }
}
