package io.comq.quant.linalg;

/** Checks shared by both maths on their results. */
final class Triangles {
    private Triangles() {
    }

    /** {@code u} with its strictly lower part zeroed, or null if its upper part holds a NaN or an infinity. */
    static double[] upperOrNull(double[] u, int n) {
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

    static boolean allFinite(double[] x) {
        for (double v : x) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
