package io.comq.quant.linalg;

import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;

/**
 * The COMQ objective {@code tr(E^T H E)} for an error {@code E = Wq - W}, computed the same way for every method so
 * that comparisons are fair: one GEMM {@code H E} in the precision of {@code E}, then {@code sum(E .* HE)}
 * accumulated in float64, on the process's checked math ({@link Linalg}).
 */
public final class Objective {
    private Objective() {
    }

    /**
     * @param H {@code (in, in)}; converted to the precision of {@code E} if it differs
     * @param E {@code (in, out)}
     * @return {@code tr(E^T H E)}, by the process's {@link Linalg}
     */
    public static double quadratic(Matrix H, Matrix E) {
        return Linalg.process().math().quadratic(H, E);
    }

    /**
     * {@code tr(E^T H E)} with row-major arrays, in the given precision.
     *
     * @param H {@code (in, in)} row-major
     * @param E {@code (in, out)} row-major
     */
    public static double quadratic(double[] H, double[] E, int in, int out, Precision precision) {
        Matrix.F64 h = new Matrix.F64(in, in, H);
        Matrix.F64 e = new Matrix.F64(in, out, E);
        return precision == Precision.FLOAT64 ? quadratic(h, e) : quadratic(h.toF32(), e.toF32());
    }

    /**
     * The error {@code Wq - W} in the precision of {@code Wq}.
     */
    public static Matrix difference(Matrix Wq, Matrix W) {
        int n = Math.toIntExact(Wq.size());
        if (Wq instanceof Matrix.F32 q) {
            float[] e = new float[n];
            if (W instanceof Matrix.F32 w) {
                for (int k = 0; k < n; k++) {
                    e[k] = q.data()[k] - w.data()[k];
                }
            } else {
                double[] w = ((Matrix.F64) W).data();
                for (int k = 0; k < n; k++) {
                    e[k] = (float) (q.data()[k] - w[k]);
                }
            }
            return new Matrix.F32(Wq.rows(), Wq.cols(), e);
        }
        double[] q = ((Matrix.F64) Wq).data();
        double[] w = W.toF64().data();
        double[] e = new double[n];
        for (int k = 0; k < n; k++) {
            e[k] = q[k] - w[k];
        }
        return new Matrix.F64(Wq.rows(), Wq.cols(), e);
    }
}
