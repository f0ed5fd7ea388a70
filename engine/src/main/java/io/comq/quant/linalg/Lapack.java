package io.comq.quant.linalg;

import io.comq.quant.Precision;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * Cholesky factorizations, solves and products on row-major arrays, in float64 or float32 (LAPACK and BLAS through
 * OpenBLAS).
 */
public final class Lapack {
    /** Elements moved between the heap and native memory per step. */
    private static final int CHUNK = 1 << 16;

    private Lapack() {
    }

    /**
     * The upper Cholesky factor {@code U} of {@code (h + add * I)^-1}, the matrix GPTQ propagates errors with
     * ({@code (h + add I)^-1 = U^T U}, {@code U} upper triangular with a positive diagonal), or null if the damped
     * {@code h} is not numerically positive definite. {@code h} is not modified.
     *
     * <p>Computed with two triangular operations instead of three: with {@code J} the reversal permutation,
     * {@code J A J = L L^T} (Cholesky) gives {@code A = R R^T} for the upper triangular {@code R = J L J}, and then
     * {@code U = R^-1} satisfies {@code U^T U = (R R^T)^-1 = A^-1}. Reversing both axes of a row-major square array is
     * reversing the array. Arithmetic runs in {@code precision}; the result is returned as doubles either way.
     */
    public static double[] upperCholeskyOfInverse(double[] h, int n, double add, Precision precision) {
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
        for (int i = 0; i < n; i++) {
            for (int k = i * n; k < i * n + i; k++) {
                u[k] = 0;
            }
            for (int k = i * n + i; k < (i + 1) * n; k++) {
                if (!Double.isFinite(u[k])) {
                    return null;
                }
            }
        }
        return u;
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

    /**
     * The solution {@code X (n, m)} of {@code (a + add * I) X = b} for a symmetric positive semi-definite {@code a
     * (n, n)} and {@code b (n, m)}, both row-major float64 (Cholesky, LAPACK {@code dposv}), or null if the damped
     * {@code a} is not numerically positive definite. Neither input is modified.
     */
    public static double[] solveSymmetric(double[] a, int n, double add, double[] b, int m) {
        double[] f = a.clone();
        for (int i = 0; i < n; i++) {
            f[i * n + i] += add;
        }
        double[] x = b.clone();
        if (openblas.LAPACKE_dposv(openblas.LAPACK_ROW_MAJOR, (byte) 'U', n, m, f, n, x, m) != 0) {
            return null;
        }
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return null;
            }
        }
        return x;
    }

    /** {@code a (n, k) b (k, m)}, row-major float64 (BLAS {@code dgemm}). */
    public static double[] multiply(double[] a, double[] b, int n, int k, int m) {
        double[] c = new double[n * m];
        openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, m, k, 1.0, a, k,
                b, m, 0.0, c, m);
        return c;
    }

    private static void reverse(float[] x, int len) {
        for (int i = 0, j = len - 1; i < j; i++, j--) {
            float t = x[i];
            x[i] = x[j];
            x[j] = t;
        }
    }
}
