package io.comq.quant.linalg;

import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;

/**
 * The dense linear algebra the methods need beyond the COMQ kernel. Two implementations compute the same things:
 * {@link OpenBlasMath} (LAPACK and BLAS, fast) and {@link JavaMath} (plain loops, slower, the reference the native one
 * is checked against). Which one a process uses is {@link Linalg}'s decision, never the caller's.
 */
public interface DenseMath {

    /** {@code "openblas"} or {@code "java"}: what reports name as the math that ran. */
    String name();

    /**
     * The upper Cholesky factor {@code U} of {@code (h + add * I)^-1} ({@code (h + add I)^-1 = U^T U}, {@code U} upper
     * triangular with a positive diagonal), row-major, or null if the damped {@code h} is not numerically positive
     * definite. Arithmetic runs in {@code precision}; {@code h} is not modified.
     */
    double[] upperCholeskyOfInverse(double[] h, int n, double add, Precision precision);

    /**
     * The solution {@code X (n, m)} of {@code (a + add * I) X = b} for a symmetric positive semi-definite
     * {@code a (n, n)} and {@code b (n, m)}, row-major float64, or null if the damped {@code a} is not numerically
     * positive definite. Neither input is modified.
     */
    double[] solveSymmetric(double[] a, int n, double add, double[] b, int m);

    /** {@code a (n, k) b (k, m)}, row-major float64. */
    double[] multiply(double[] a, double[] b, int n, int k, int m);

    /**
     * {@code tr(E^T H E)}: the product {@code H E} in the precision of {@code E}, then {@code sum(E .* HE)} accumulated
     * in float64.
     */
    double quadratic(Matrix H, Matrix E);

    /** A zero-filled {@code (rows, cols)} work matrix in {@code precision}, for this math's products. */
    WorkMatrix allocate(Precision precision, int rows, int cols);
}
