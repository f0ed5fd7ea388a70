package io.comq.quant.linalg;

import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * {@link DenseMath} on OpenBLAS's LAPACK and BLAS (the JavaCPP binding {@code org.bytedeco.openblas}), on row-major
 * arrays. Fast, and trusted only after {@link SelfTest} agreed with {@link JavaMath} in this process.
 */
public final class OpenBlasMath implements DenseMath {
    /** Elements moved between the heap and native memory per step. */
    private static final int CHUNK = 1 << 16;

    /** Loads OpenBLAS; throws {@link UnsatisfiedLinkError} (or another error) where it cannot be loaded. */
    public OpenBlasMath() {
        org.bytedeco.javacpp.Loader.load(openblas.class);
    }

    /** The OpenBLAS version this binding carries, e.g. {@code "0.3.31"}. */
    public static String version() {
        return openblas.OPENBLAS_VERSION.replace("OpenBLAS", "").trim();
    }

    @Override
    public String name() {
        return "openblas";
    }

    /**
     * Computed with two triangular operations instead of three: with {@code J} the reversal permutation,
     * {@code J A J = L L^T} (Cholesky) gives {@code A = R R^T} for the upper triangular {@code R = J L J}, and then
     * {@code U = R^-1} satisfies {@code U^T U = (R R^T)^-1 = A^-1}. Reversing both axes of a row-major square array is
     * reversing the array.
     */
    @Override
    public double[] upperCholeskyOfInverse(double[] h, int n, double add, Precision precision) {
        int nn = n * n;
        double[] u = new double[nn];
        if (precision == Precision.FLOAT64) {
            double[] a = new double[nn];
            for (int k = 0; k < nn; k++) {
                a[k] = h[nn - 1 - k];
            }
            for (int i = 0; i < n; i++) {
                a[i * n + i] += add;
            }
            if (openblas.LAPACKE_dpotrf(openblas.LAPACK_ROW_MAJOR, (byte) 'L', n, a, n) != 0) {
                return null;
            }
            for (int k = 0; k < nn; k++) {
                u[k] = a[nn - 1 - k];
            }
            if (openblas.LAPACKE_dtrtri(openblas.LAPACK_ROW_MAJOR, (byte) 'U', (byte) 'N', n, u, n) != 0) {
                return null;
            }
        } else if (!float32(h, n, add, u)) {
            return null;
        }
        return Triangles.upperOrNull(u, n);
    }

    /**
     * The float32 path of {@link #upperCholeskyOfInverse}, with the working matrix in native memory (the Java heap
     * only holds {@code h} and the result): reversed {@code h + add I} is factored in place, reversed back, inverted.
     */
    private static boolean float32(double[] h, int n, double add, double[] u) {
        int nn = n * n;
        float[] chunk = new float[Math.min(nn, CHUNK)];
        try (FloatPointer a = new FloatPointer((long) nn)) {
            for (int k0 = 0; k0 < nn; k0 += chunk.length) {
                int len = Math.min(chunk.length, nn - k0);
                for (int k = 0; k < len; k++) {
                    int src = nn - 1 - (k0 + k);
                    chunk[k] = (float) (src % (n + 1) == 0 ? h[src] + add : h[src]);
                }
                a.position(k0).put(chunk, 0, len);
            }
            a.position(0);
            if (openblas.LAPACKE_spotrf(openblas.LAPACK_ROW_MAJOR, (byte) 'L', n, a, n) != 0) {
                return false;
            }
            // R = J L J: reverse in place, swapping element k with nn-1-k through two chunk buffers.
            float[] tail = new float[chunk.length];
            for (int k0 = 0; k0 < nn / 2; k0 += chunk.length) {
                int len = Math.min(chunk.length, nn / 2 - k0);
                int t0 = nn - k0 - len;
                a.position(k0).get(chunk, 0, len);
                a.position(t0).get(tail, 0, len);
                reverse(chunk, len);
                reverse(tail, len);
                a.position(k0).put(tail, 0, len);
                a.position(t0).put(chunk, 0, len);
            }
            a.position(0);
            if (openblas.LAPACKE_strtri(openblas.LAPACK_ROW_MAJOR, (byte) 'U', (byte) 'N', n, a, n) != 0) {
                return false;
            }
            for (int k0 = 0; k0 < nn; k0 += chunk.length) {
                int len = Math.min(chunk.length, nn - k0);
                a.position(k0).get(chunk, 0, len);
                for (int k = 0; k < len; k++) {
                    u[k0 + k] = chunk[k];
                }
            }
            return true;
        }
    }

    /** Cholesky solve, LAPACK {@code dposv}. */
    @Override
    public double[] solveSymmetric(double[] a, int n, double add, double[] b, int m) {
        double[] f = a.clone();
        for (int i = 0; i < n; i++) {
            f[i * n + i] += add;
        }
        double[] x = b.clone();
        if (openblas.LAPACKE_dposv(openblas.LAPACK_ROW_MAJOR, (byte) 'U', n, m, f, n, x, m) != 0) {
            return null;
        }
        return Triangles.allFinite(x) ? x : null;
    }

    /** BLAS {@code dgemm}. */
    @Override
    public double[] multiply(double[] a, double[] b, int n, int k, int m) {
        double[] c = new double[n * m];
        openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, m, k, 1.0, a, k,
                b, m, 0.0, c, m);
        return c;
    }

    /** One GEMM {@code H E} in native memory, then the float64 sum read back in chunks. */
    @Override
    public double quadratic(Matrix H, Matrix E) {
        int in = E.rows();
        int out = E.cols();
        if (E instanceof Matrix.F32 e) {
            float[] h = H.toF32().data();
            try (FloatPointer hp = new FloatPointer(h); FloatPointer ep = new FloatPointer(e.data());
                 FloatPointer he = new FloatPointer((long) in * out)) {
                openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, in, out, in,
                        1f, hp, in, ep, out, 0f, he, out);
                float[] buf = new float[Math.min(CHUNK, e.data().length)];
                double sum = 0;
                for (int k0 = 0; k0 < e.data().length; k0 += buf.length) {
                    int n = Math.min(buf.length, e.data().length - k0);
                    he.position(k0).get(buf, 0, n);
                    for (int k = 0; k < n; k++) {
                        sum += (double) e.data()[k0 + k] * buf[k];
                    }
                }
                return sum;
            }
        }
        double[] h = H.toF64().data();
        double[] e = ((Matrix.F64) E).data();
        try (DoublePointer hp = new DoublePointer(h); DoublePointer ep = new DoublePointer(e);
             DoublePointer he = new DoublePointer((long) in * out)) {
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, in, out, in, 1.0,
                    hp, in, ep, out, 0.0, he, out);
            double[] buf = new double[Math.min(CHUNK, e.length)];
            double sum = 0;
            for (int k0 = 0; k0 < e.length; k0 += buf.length) {
                int n = Math.min(buf.length, e.length - k0);
                he.position(k0).get(buf, 0, n);
                for (int k = 0; k < n; k++) {
                    sum += e[k0 + k] * buf[k];
                }
            }
            return sum;
        }
    }

    @Override
    public WorkMatrix allocate(Precision precision, int rows, int cols) {
        return NativeMatrix.allocate(precision, rows, cols);
    }

    private static void reverse(float[] x, int len) {
        for (int i = 0, j = len - 1; i < j; i++, j--) {
            float t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
}
