package io.comq.quant.linalg;

import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The check a {@link DenseMath} must pass before a process trusts it: every operation the methods use (the factor of
 * {@code H^-1}, the symmetric solve, the products, the objective, the lazy block update), in float32 and float64, on
 * small correlated problems of several sizes (odd ones, and ones past OpenBLAS's small-matrix paths), compared with
 * {@link JavaMath}. A few milliseconds; any disagreement beyond rounding, any failed factorization of a well-conditioned
 * matrix, any exception or missing native library fails it.
 */
public final class SelfTest {

    /** Problem sizes: below, at and past the sizes where OpenBLAS switches kernels and blocking. */
    private static final int[] SIZES = {7, 36, 129};
    private static final double TOL_F64 = 1e-9;
    private static final double TOL_F32 = 1e-3;

    /**
     * What the self-test found.
     *
     * @param passed   true if every operation agreed with the plain-Java reference
     * @param failures one line per disagreement or error, empty when passed
     * @param millis   how long it took
     */
    public record Result(boolean passed, List<String> failures, double millis) {
        public Result {
            failures = List.copyOf(failures);
        }
    }

    private final DenseMath reference = new JavaMath();
    private final List<String> failures = new ArrayList<>();

    private SelfTest() {
    }

    /** Runs the whole check on {@code candidate}. */
    public static Result run(DenseMath candidate) {
        long t0 = System.nanoTime();
        SelfTest t = new SelfTest();
        for (int n : SIZES) {
            for (Precision p : Precision.values()) {
                t.guarded(candidate.name() + " " + p.id() + " n=" + n, () -> t.checkSize(candidate, n, p));
            }
        }
        return new Result(t.failures.isEmpty(), t.failures, (System.nanoTime() - t0) / 1e6);
    }

    private void guarded(String what, Runnable check) {
        try {
            check.run();
        } catch (Throwable e) { // a missing library or a crash in the candidate is a failed check, not a crash here
            failures.add(what + ": " + e);
        }
    }

    private void checkSize(DenseMath math, int n, Precision p) {
        SplittableRandom rnd = new SplittableRandom(20261208L + n);
        double[] h = correlatedGram(rnd, n);
        double add = 0.01 * new Matrix.F64(n, n, h).meanDiagonal();
        String at = " (" + p.id() + ", n=" + n + ")";

        double[] u = math.upperCholeskyOfInverse(h, n, add, p);
        double[] uRef = reference.upperCholeskyOfInverse(h, n, add, p);
        if (u == null) {
            failures.add("factor of H^-1 failed on a positive definite matrix" + at);
        } else {
            compare("factor of H^-1 (potrf, trtri)" + at, u, uRef, p);
        }

        int m = n / 3 + 2;
        double[] b = gaussian(rnd, n * m);
        if (p == Precision.FLOAT64) {
            double[] x = math.solveSymmetric(h, n, add, b, m);
            if (x == null) {
                failures.add("symmetric solve failed on a positive definite matrix" + at);
            } else {
                compare("symmetric solve (posv)" + at, x, reference.solveSymmetric(h, n, add, b, m), p);
            }
            compare("product (gemm)" + at, math.multiply(h, b, n, n, m), reference.multiply(h, b, n, n, m), p);
        }

        Matrix.F64 hm = new Matrix.F64(n, n, h);
        Matrix.F64 em = new Matrix.F64(n, m, b);
        Matrix hp = p == Precision.FLOAT64 ? hm : hm.toF32();
        Matrix ep = p == Precision.FLOAT64 ? em : em.toF32();
        compare("objective tr(E^T H E) (gemm)" + at, new double[] {math.quadratic(hp, ep)},
                new double[] {reference.quadratic(hp, ep)}, p);

        compare("block update W -= A^T B (gemm, transposed)" + at, blockUpdate(math, h, b, n, m, p),
                blockUpdate(reference, h, b, n, m, p), p);
    }

    /** GPTQ's lazy update on a sub-block: rows {@code i2..} of W minus {@code A[i1:i2, i2:]^T B}. */
    private static double[] blockUpdate(DenseMath math, double[] a, double[] w, int n, int m, Precision p) {
        int i1 = n / 4;
        int i2 = n / 2;
        int k = i2 - i1;
        double[] err = new double[k * m];
        System.arraycopy(w, i1 * m, err, 0, k * m);
        try (WorkMatrix wn = math.allocate(p, n, m); WorkMatrix an = math.allocate(p, n, n);
             WorkMatrix en = math.allocate(p, Math.max(k, 1), m)) {
            wn.putRows(0, w, n);
            an.putRows(0, a, n);
            en.putRows(0, err, k);
            wn.subtractTransposedProduct(i2, an, i1, i2, k, en);
            double[] result = new double[n * m];
            wn.getRows(0, result, n);
            return result;
        }
    }

    private void compare(String what, double[] got, double[] want, Precision p) {
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < want.length; k++) {
            double d = got[k] - want[k];
            diff += d * d;
            norm += want[k] * want[k];
        }
        double rel = Math.sqrt(diff / Math.max(norm, Double.MIN_NORMAL));
        double tol = p == Precision.FLOAT64 ? TOL_F64 : TOL_F32;
        if (!(rel <= tol)) {
            failures.add(String.format(Locale.ROOT, "%s: relative difference %.3g from plain Java (tolerance %.0g)",
                    what, rel, tol));
        }
    }

    /** {@code X^T X / N} of samples whose inputs are correlated (a random mix of columns), plus a floor on the diagonal. */
    private static double[] correlatedGram(SplittableRandom rnd, int n) {
        int samples = 2 * n + 8;
        double[] g = gaussian(rnd, samples * n);
        double[] mix = gaussian(rnd, n * n);
        for (int i = 0; i < n; i++) {
            mix[i * n + i] += 2;
        }
        double[] x = new JavaMath().multiply(g, mix, samples, n, n);
        double[] h = new double[n * n];
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < n; i++) {
                JavaMath.axpy(x[s * n + i] / samples, x, s * n, h, i * n, n);
            }
        }
        for (int i = 0; i < n; i++) {
            h[i * n + i] += 0.1;
        }
        return h;
    }

    private static double[] gaussian(SplittableRandom rnd, int count) {
        double[] v = new double[count];
        for (int k = 0; k < count; k++) {
            // Box-Muller, one value per pair: enough for test matrices
            v[k] = Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
        }
        return v;
    }
}
