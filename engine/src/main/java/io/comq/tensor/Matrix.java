package io.comq.tensor;

import java.util.Arrays;

/**
 * A dense row-major matrix in float32 or float64. The engine's one tensor value type.
 *
 * <p>Element {@code (r, c)} lives at {@code r * cols + c}. Instances are shallow-immutable: the arrays are shared, never
 * copied, and callers must not modify them after construction.
 */
public sealed interface Matrix permits Matrix.F32, Matrix.F64 {

    int rows();

    int cols();

    double get(int r, int c);

    /** This matrix as float64 (the same object if it already is). */
    F64 toF64();

    /** This matrix as float32 (the same object if it already is). */
    F32 toF32();

    /** Bytes this matrix's elements occupy. */
    long bytes();

    /** True if every element is finite (no NaN, no infinity). */
    boolean allFinite();

    default long size() {
        return (long) rows() * cols();
    }

    /** {@code mean(diag)} of a square matrix: the diagonal's sum divided by the order (0 when empty). */
    default double meanDiagonal() {
        int n = rows();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += get(i, i);
        }
        return n == 0 ? 0 : sum / n;
    }

    static void checkShape(int rows, int cols, int length) {
        if (rows < 0 || cols < 0 || (long) rows * cols != length) {
            throw new IllegalArgumentException("shape (" + rows + ", " + cols + ") does not match " + length + " elements");
        }
    }

    record F64(int rows, int cols, double[] data) implements Matrix {
        public F64 {
            checkShape(rows, cols, data.length);
        }

        public static F64 zeros(int rows, int cols) {
            return new F64(rows, cols, new double[Math.multiplyExact(rows, cols)]);
        }

        @Override
        public double get(int r, int c) {
            return data[r * cols + c];
        }

        @Override
        public F64 toF64() {
            return this;
        }

        @Override
        public F32 toF32() {
            float[] f = new float[data.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) data[i];
            }
            return new F32(rows, cols, f);
        }

        @Override
        public long bytes() {
            return 8L * data.length;
        }

        @Override
        public boolean allFinite() {
            for (double v : data) {
                if (!Double.isFinite(v)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof F64 m && m.rows == rows && m.cols == cols && Arrays.equals(m.data, data);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * rows + cols) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Matrix.F64(" + rows + ", " + cols + ")";
        }
    }

    record F32(int rows, int cols, float[] data) implements Matrix {
        public F32 {
            checkShape(rows, cols, data.length);
        }

        public static F32 zeros(int rows, int cols) {
            return new F32(rows, cols, new float[Math.multiplyExact(rows, cols)]);
        }

        @Override
        public double get(int r, int c) {
            return data[r * cols + c];
        }

        @Override
        public F64 toF64() {
            double[] d = new double[data.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = data[i];
            }
            return new F64(rows, cols, d);
        }

        @Override
        public F32 toF32() {
            return this;
        }

        @Override
        public long bytes() {
            return 4L * data.length;
        }

        @Override
        public boolean allFinite() {
            for (float v : data) {
                if (!Float.isFinite(v)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof F32 m && m.rows == rows && m.cols == cols && Arrays.equals(m.data, data);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * rows + cols) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Matrix.F32(" + rows + ", " + cols + ")";
        }
    }
}
