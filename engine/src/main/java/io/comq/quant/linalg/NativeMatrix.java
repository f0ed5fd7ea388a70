package io.comq.quant.linalg;

import io.comq.numeric.Precision;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * A row-major {@link WorkMatrix} in native memory, in float64 or float32, for OpenBLAS GEMM without copying whole
 * arrays per call. Element {@code (r, c)} is at {@code r * cols + c}.
 */
abstract sealed class NativeMatrix implements WorkMatrix permits NativeMatrix.F64, NativeMatrix.F32 {
    protected final int rows;
    protected final int cols;

    private NativeMatrix(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    /** A zero-filled {@code (rows, cols)} matrix in {@code precision}. */
    static NativeMatrix allocate(Precision precision, int rows, int cols) {
        return precision == Precision.FLOAT64 ? new F64(rows, cols) : new F32(rows, cols);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }


    /** Float64 storage. */
    static final class F64 extends NativeMatrix {
        private final DoublePointer p;

        private F64(int rows, int cols) {
            super(rows, cols);
            p = new DoublePointer((long) rows * cols);
            p.zero();
        }

        @Override
        public void putRows(int row0, double[] src, int count) {
            p.position((long) row0 * cols).put(src, 0, count * cols);
            p.position(0);
        }

        @Override
        public void getRows(int row0, double[] dst, int count) {
            p.position((long) row0 * cols).get(dst, 0, count * cols);
            p.position(0);
        }

        @Override
        public void subtractTransposedProduct(int row0, WorkMatrix A, int aRow0, int aCol0, int k, WorkMatrix B) {
            int m = rows - row0;
            if (m <= 0 || k <= 0) {
                return;
            }
            F64 a = (F64) A;
            F64 b = (F64) B;
            DoublePointer pa = new DoublePointer(a.p).position((long) aRow0 * a.cols + aCol0);
            DoublePointer pc = new DoublePointer(p).position((long) row0 * cols);
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, m, cols, k, -1.0,
                    pa, a.cols, b.p, b.cols, 1.0, pc, cols);
        }

        @Override
        public void close() {
            p.close();
        }
    }

    /** Float32 storage; rows are converted to and from doubles on the way in and out. */
    static final class F32 extends NativeMatrix {
        private final FloatPointer p;

        private F32(int rows, int cols) {
            super(rows, cols);
            p = new FloatPointer((long) rows * cols);
            p.zero();
        }

        /** Rows move through a bounded buffer, so a whole-matrix copy costs no float copy of it on the heap. */
        private static final int CHUNK = 1 << 16;

        @Override
        public void putRows(int row0, double[] src, int count) {
            int n = count * cols;
            float[] f = new float[Math.min(n, CHUNK)];
            for (int k0 = 0; k0 < n; k0 += f.length) {
                int len = Math.min(f.length, n - k0);
                for (int k = 0; k < len; k++) {
                    f[k] = (float) src[k0 + k];
                }
                p.position((long) row0 * cols + k0).put(f, 0, len);
            }
            p.position(0);
        }

        @Override
        public void getRows(int row0, double[] dst, int count) {
            int n = count * cols;
            float[] f = new float[Math.min(n, CHUNK)];
            for (int k0 = 0; k0 < n; k0 += f.length) {
                int len = Math.min(f.length, n - k0);
                p.position((long) row0 * cols + k0).get(f, 0, len);
                for (int k = 0; k < len; k++) {
                    dst[k0 + k] = f[k];
                }
            }
            p.position(0);
        }

        @Override
        public void subtractTransposedProduct(int row0, WorkMatrix A, int aRow0, int aCol0, int k, WorkMatrix B) {
            int m = rows - row0;
            if (m <= 0 || k <= 0) {
                return;
            }
            F32 a = (F32) A;
            F32 b = (F32) B;
            FloatPointer pa = new FloatPointer(a.p).position((long) aRow0 * a.cols + aCol0);
            FloatPointer pc = new FloatPointer(p).position((long) row0 * cols);
            openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasTrans, openblas.CblasNoTrans, m, cols, k, -1f,
                    pa, a.cols, b.p, b.cols, 1f, pc, cols);
        }

        @Override
        public void close() {
            p.close();
        }
    }
}
