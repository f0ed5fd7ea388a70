package io.comq.quant.linalg;

import io.comq.quant.Precision;
import org.bytedeco.openblas.global.openblas;

/** Cholesky factorizations on row-major arrays, in float64 or float32 (LAPACK through OpenBLAS). */
public final class Lapack {
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
        } else {
            float[] a = new float[nn];
            for (int k = 0; k < nn; k++) {
                a[k] = (float) h[nn - 1 - k];
            }
            for (int i = 0; i < n; i++) {
                a[i * n + i] = (float) (h[(n - 1 - i) * n + (n - 1 - i)] + add);
            }
            if (openblas.LAPACKE_spotrf(openblas.LAPACK_ROW_MAJOR, (byte) 'L', n, a, n) != 0) {
                return null;
            }
            float[] r = new float[nn];
            for (int k = 0; k < nn; k++) {
                r[k] = a[nn - 1 - k];
            }
            if (openblas.LAPACKE_strtri(openblas.LAPACK_ROW_MAJOR, (byte) 'U', (byte) 'N', n, r, n) != 0) {
                return null;
            }
            for (int k = 0; k < nn; k++) {
                u[k] = r[k];
            }
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
}
