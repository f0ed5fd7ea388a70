package io.comq.quant.linalg;

import io.comq.numeric.Precision;

/**
 * {@link JavaMath}'s {@link WorkMatrix}: a row-major float64 array on the heap. In float32 every stored element is
 * rounded to float32, as OpenBLAS's float32 matrix would hold it.
 */
final class HeapMatrix implements WorkMatrix {
    private final Precision precision;
    private final int rows;
    private final int cols;
    private final double[] a;

    HeapMatrix(Precision precision, int rows, int cols) {
        this.precision = precision;
        this.rows = rows;
        this.cols = cols;
        this.a = new double[Math.multiplyExact(rows, cols)];
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public void putRows(int row0, double[] src, int count) {
        int o = row0 * cols;
        for (int k = 0; k < count * cols; k++) {
            a[o + k] = JavaMath.round(src[k], precision);
        }
    }

    @Override
    public void getRows(int row0, double[] dst, int count) {
        System.arraycopy(a, row0 * cols, dst, 0, count * cols);
    }

    @Override
    public void subtractTransposedProduct(int row0, WorkMatrix A, int aRow0, int aCol0, int k, WorkMatrix B) {
        HeapMatrix x = (HeapMatrix) A;
        HeapMatrix b = (HeapMatrix) B;
        int m = rows - row0;
        // C_r -= sum_p A[aRow0 + p, aCol0 + r] B_p, each row of C a contiguous axpy over the columns
        for (int r = 0; r < m; r++) {
            int c = (row0 + r) * cols;
            for (int p = 0; p < k; p++) {
                double coef = x.a[(aRow0 + p) * x.cols + aCol0 + r];
                if (coef != 0) {
                    JavaMath.axpy(-coef, b.a, p * b.cols, a, c, cols);
                }
            }
            if (precision == Precision.FLOAT32) {
                for (int j = c; j < c + cols; j++) {
                    a[j] = (float) a[j];
                }
            }
        }
    }

    @Override
    public void close() {
        // heap memory: nothing to free
    }
}
