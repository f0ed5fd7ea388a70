package io.comq.quant.linalg;

import java.util.SplittableRandom;

/**
 * Cheap checks of a result against the equation it solves, on one random probe vector in float64: {@code O(n^2)} where
 * the result cost {@code O(n^3)}. A right answer leaves a residual of the order of the precision times the matrix's
 * condition; a wrong kernel leaves one of order 1.
 */
final class Residuals {
    private Residuals() {
    }

    /** {@code ||(h + add I) U^T U v - v|| / ||v||}: how far {@code U^T U} is from {@code (h + add I)^-1}. */
    static double inverseFactor(double[] h, int n, double add, double[] u) {
        double[] v = probe(n, n);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) { // y = U v
            double s = 0;
            for (int k = i; k < n; k++) {
                s += u[i * n + k] * v[k];
            }
            y[i] = s;
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) { // z = U^T y
            JavaMath.axpy(y[i], u, i * n, z, 0, n);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) { // (h + add I) z - v
            double s = add * z[i];
            for (int k = 0; k < n; k++) {
                s += h[i * n + k] * z[k];
            }
            num += (s - v[i]) * (s - v[i]);
            den += v[i] * v[i];
        }
        return Math.sqrt(num / den);
    }

    /** {@code ||(a + add I) X v - b v|| / ||b v||}: how far {@code X} is from solving {@code (a + add I) X = b}. */
    static double solve(double[] a, int n, double add, double[] x, double[] b, int m) {
        double[] v = probe(m, n + m);
        double[] xv = new double[n];
        double[] bv = new double[n];
        for (int i = 0; i < n; i++) {
            double sx = 0;
            double sb = 0;
            for (int j = 0; j < m; j++) {
                sx += x[i * m + j] * v[j];
                sb += b[i * m + j] * v[j];
            }
            xv[i] = sx;
            bv[i] = sb;
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            double s = add * xv[i];
            for (int k = 0; k < n; k++) {
                s += a[i * n + k] * xv[k];
            }
            num += (s - bv[i]) * (s - bv[i]);
            den += bv[i] * bv[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** A fixed pseudo-random vector of {@code n} entries in [-1, 1), seeded by the problem's shape. */
    private static double[] probe(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed * 7919L + 17);
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = 2 * rnd.nextDouble() - 1;
        }
        return v;
    }
}
