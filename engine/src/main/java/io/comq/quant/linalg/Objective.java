package io.comq.quant.linalg;

import io.comq.quant.Precision;
import org.bytedeco.openblas.global.openblas;

/**
 * The COMQ objective {@code tr(E^T H E)} for an error {@code E = Wq - W}, computed the same way for every method so
 * that comparisons are fair: one GEMM {@code H E} in the run's precision, then {@code sum(E .* HE)} accumulated in
 * float64.
 */
public final class Objective {
    private Objective() {
    }

    /**
     * @param H   {@code (in, in)} row-major
     * @param E   {@code (in, out)} row-major
     * @return {@code tr(E^T H E)}
     */
    public static double quadratic(double[] H, double[] E, int in, int out, Precision precision) {
        double sum = 0;
        if (precision == Precision.FLOAT64) {
            double[] he = new double[E.length];
            openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, in, out, in, 1.0,
                    H, in, E, out, 0.0, he, out);
            for (int k = 0; k < E.length; k++) {
                sum += E[k] * he[k];
            }
            return sum;
        }
        float[] h = toFloat(H);
        float[] e = toFloat(E);
        float[] he = new float[e.length];
        openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, in, out, in, 1f, h,
                in, e, out, 0f, he, out);
        for (int k = 0; k < e.length; k++) {
            sum += (double) e[k] * he[k];
        }
        return sum;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int k = 0; k < a.length; k++) {
            f[k] = (float) a[k];
        }
        return f;
    }
}
