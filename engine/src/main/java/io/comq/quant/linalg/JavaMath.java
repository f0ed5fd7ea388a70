package io.comq.quant.linalg;

import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;

/**
 * {@link DenseMath} in plain Java loops: the reference {@link SelfTest} checks OpenBLAS against, and the math a process
 * falls back to when OpenBLAS cannot be trusted on its CPU. Slower than OpenBLAS (no blocking for the caches, no SIMD
 * beyond what the JIT finds), never wrong for want of a kernel.
 *
 * <p>Arithmetic runs in float64 whatever the precision; a float32 result is the float64 one rounded to float32, so it
 * is at least as accurate as OpenBLAS's float32 arithmetic.
 */
public final class JavaMath implements DenseMath {

    @Override
    public String name() {
        return "java";
    }

    /**
     * The same route as {@link OpenBlasMath}: Cholesky {@code J A J = L L^T}, {@code R = J L J} upper, {@code U = R^-1}.
     */
    @Override
    public double[] upperCholeskyOfInverse(double[] h, int n, double add, Precision precision) {
        int nn = n * n;
        double[] a = new double[nn];
        for (int k = 0; k < nn; k++) {
            a[k] = round(h[nn - 1 - k] + (k % (n + 1) == 0 ? add : 0), precision);
        }
        if (!choleskyLower(a, n)) {
            return null;
        }
        double[] r = new double[nn];
        for (int k = 0; k < nn; k++) {
            r[k] = a[nn - 1 - k];
        }
        double[] u = invertUpper(r, n);
        for (int k = 0; k < nn; k++) {
            u[k] = round(u[k], precision);
        }
        return Triangles.upperOrNull(u, n);
    }

    /** Cholesky {@code (a + add I) = L L^T}, then {@code L y = b} and {@code L^T x = y}, each over all columns. */
    @Override
    public double[] solveSymmetric(double[] a, int n, double add, double[] b, int m) {
        double[] l = a.clone();
        for (int i = 0; i < n; i++) {
            l[i * n + i] += add;
        }
        if (!choleskyLower(l, n)) {
            return null;
        }
        double[] x = b.clone();
        // L y = b: row i of y = (b_i - sum_{k<i} L_ik y_k) / L_ii
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < i; k++) {
                axpy(-l[i * n + k], x, k * m, x, i * m, m);
            }
            scale(x, i * m, m, 1 / l[i * n + i]);
        }
        // L^T x = y: row i of x = (y_i - sum_{k>i} L_ki x_k) / L_ii
        for (int i = n - 1; i >= 0; i--) {
            for (int k = i + 1; k < n; k++) {
                axpy(-l[k * n + i], x, k * m, x, i * m, m);
            }
            scale(x, i * m, m, 1 / l[i * n + i]);
        }
        return Triangles.allFinite(x) ? x : null;
    }

    @Override
    public double[] multiply(double[] a, double[] b, int n, int k, int m) {
        double[] c = new double[n * m];
        // c_i = sum_p a_ip b_p (rows), so every inner loop runs over a contiguous row
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < k; p++) {
                axpy(a[i * k + p], b, p * m, c, i * m, m);
            }
        }
        return c;
    }

    @Override
    public double quadratic(Matrix H, Matrix E) {
        int in = E.rows();
        int out = E.cols();
        double[] h = H.toF64().data();
        double[] e = E.toF64().data();
        double[] he = multiply(h, e, in, in, out);
        double sum = 0;
        for (int k = 0; k < e.length; k++) {
            sum += e[k] * he[k];
        }
        return sum;
    }

    @Override
    public WorkMatrix allocate(Precision precision, int rows, int cols) {
        return new HeapMatrix(precision, rows, cols);
    }

    /**
     * {@code a = L L^T} in place: the lower triangle of {@code a} becomes {@code L}, the strict upper is zeroed. False if
     * a pivot is not positive and finite (not numerically positive definite).
     */
    static boolean choleskyLower(double[] a, int n) {
        for (int i = 0; i < n; i++) {
            int ri = i * n;
            for (int j = 0; j <= i; j++) {
                int rj = j * n;
                // L_ij = (a_ij - sum_{k<j} L_ik L_jk) / L_jj
                double s = a[ri + j] - dot(a, ri, a, rj, j);
                if (i == j) {
                    if (!(s > 0) || !Double.isFinite(s)) {
                        return false;
                    }
                    a[ri + i] = Math.sqrt(s);
                } else {
                    a[ri + j] = s / a[rj + j];
                }
            }
            for (int j = i + 1; j < n; j++) {
                a[ri + j] = 0;
            }
        }
        return true;
    }

    /**
     * {@code U = R^-1} for an upper triangular {@code R}, row by row from {@code U R = I}: {@code U_ii = 1 / R_ii} and
     * {@code U_ij = -(sum_{i<=k<j} U_ik R_kj) / R_jj}, the sums carried along the row as each {@code U_ik} is final.
     */
    static double[] invertUpper(double[] r, int n) {
        double[] u = new double[n * n];
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(t, 0);
            int ri = i * n;
            for (int k = i; k < n; k++) {
                double uik = k == i ? 1 / r[k * n + k] : -t[k] / r[k * n + k];
                u[ri + k] = uik;
                if (uik != 0) {
                    axpy(uik, r, k * n + k + 1, t, k + 1, n - k - 1);
                }
            }
        }
        return u;
    }

    /** {@code y[yo..] += alpha * x[xo..]} over {@code len} elements. */
    static void axpy(double alpha, double[] x, int xo, double[] y, int yo, int len) {
        for (int k = 0; k < len; k++) {
            y[yo + k] += alpha * x[xo + k];
        }
    }

    private static void scale(double[] x, int o, int len, double factor) {
        for (int k = o; k < o + len; k++) {
            x[k] *= factor;
        }
    }

    /** {@code sum_k x[xo+k] y[yo+k]} over {@code len} elements, in four interleaved partial sums. */
    private static double dot(double[] x, int xo, double[] y, int yo, int len) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < len; k += 4) {
            s0 += x[xo + k] * y[yo + k];
            s1 += x[xo + k + 1] * y[yo + k + 1];
            s2 += x[xo + k + 2] * y[yo + k + 2];
            s3 += x[xo + k + 3] * y[yo + k + 3];
        }
        for (; k < len; k++) {
            s0 += x[xo + k] * y[yo + k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    static double round(double x, Precision precision) {
        return precision == Precision.FLOAT32 ? (float) x : x;
    }
}
