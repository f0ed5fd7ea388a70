package io.comq.quant.linalg;

import io.comq.quant.Precision;
import io.comq.tensor.Matrix;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The COMQ objective {@code tr(E^T H E)} for an error {@code E = Wq - W}, computed the same way for every method so
 * that comparisons are fair: one GEMM {@code H E} in the precision of {@code E}, then {@code sum(E .* HE)}
 * accumulated in float64. The operands live in native memory for the GEMM, so the evaluation adds almost nothing to
 * the Java heap.
 */
public final class Objective {
    /** Elements read back from native memory per step of the final reduction. */
    private static final int CHUNK = 1 << 16;

    private Objective() {
    }

    /**
     * @param H {@code (in, in)}; converted to the precision of {@code E} if it differs
     * @param E {@code (in, out)}
     * @return {@code tr(E^T H E)}
     */
    public static double quadratic(Matrix H, Matrix E) {
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
