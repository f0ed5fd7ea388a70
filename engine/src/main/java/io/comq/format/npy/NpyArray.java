package io.comq.format.npy;

import io.comq.tensor.Matrix;

/**
 * An n-dimensional array read from or written to {@code .npy}: its shape and its elements in C (row-major) order,
 * whatever order the file used.
 *
 * @param shape dimensions, outermost first ({@code []} for a scalar)
 * @param dtype element type
 * @param data  {@code float[]}, {@code double[]}, {@code int[]}, {@code long[]}, {@code byte[]} (int8/uint8/bool) or
 *              {@code short[]} (int16/float16 bits), matching {@code dtype}, in C order
 */
public record NpyArray(int[] shape, DType dtype, Object data) {

    /** Element types this project reads and writes. */
    public enum DType {
        FLOAT32("<f4"), FLOAT64("<f8"), FLOAT16("<f2"), INT8("|i1"), UINT8("|u1"), INT16("<i2"), INT32("<i4"),
        INT64("<i8"), BOOL("|b1");

        private final String descr;

        DType(String descr) {
            this.descr = descr;
        }

        /** The little-endian numpy {@code descr} string. */
        public String descr() {
            return descr;
        }
    }

    public static NpyArray of(Matrix m) {
        if (m instanceof Matrix.F32 f) {
            return new NpyArray(new int[] {f.rows(), f.cols()}, DType.FLOAT32, f.data());
        }
        Matrix.F64 d = (Matrix.F64) m;
        return new NpyArray(new int[] {d.rows(), d.cols()}, DType.FLOAT64, d.data());
    }

    public static NpyArray ofInts(int[] shape, int[] data) {
        return new NpyArray(shape, DType.INT32, data);
    }

    public static NpyArray ofDoubles(int[] shape, double[] data) {
        return new NpyArray(shape, DType.FLOAT64, data);
    }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
