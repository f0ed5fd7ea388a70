package io.comq.quant.linalg;

import io.comq.error.InvalidConfigException;
import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;

/**
 * A fire drill for the guards: OpenBLAS with one deliberate defect of the kind a bad kernel has, switched on with
 * {@code -Dcomq.math.drill=KIND[@N]} ({@code factor}: the factor of {@code H^-1} loses its off-diagonal part, as the
 * AVX-512 defect of OpenBLAS 0.3.19 made GPTQ equal RTN; {@code product}: GPTQ's block update does nothing), from
 * problem size {@code N} on (0 when not given, so the self-test sees it; past the self-test's sizes, only the per-layer
 * guards can). Lets a user, an operator or a test watch the fallback or the refusal happen on a real run.
 */
final class DrillMath extends DenseMathDelegate {
    private final boolean factor;
    private final int from;

    private DrillMath(DenseMath real, boolean factor, int from) {
        super(real);
        this.factor = factor;
        this.from = from;
    }

    /** {@code real}, or {@code real} with the defect {@code comq.math.drill} names. */
    static DenseMath wrap(DenseMath real, String drill) {
        if (drill == null || drill.isBlank()) {
            return real;
        }
        String[] parts = drill.trim().split("@", 2);
        int from;
        try {
            from = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        } catch (NumberFormatException e) {
            from = -1;
        }
        if (from < 0 || !(parts[0].equals("factor") || parts[0].equals("product"))) {
            throw new InvalidConfigException("comq.math.drill='" + drill + "' is not a drill: use factor[@N] or "
                    + "product[@N]");
        }
        return new DrillMath(real, parts[0].equals("factor"), from);
    }


    @Override
    public double[] upperCholeskyOfInverse(double[] h, int n, double add, Precision precision) {
        double[] u = real.upperCholeskyOfInverse(h, n, add, precision);
        if (factor && n >= from && u != null) {
            for (int i = 0; i < n; i++) {
                for (int k = i + 1; k < n; k++) {
                    u[i * n + k] = 0;
                }
            }
        }
        return u;
    }




    @Override
    public WorkMatrix allocate(Precision precision, int rows, int cols) {
        WorkMatrix w = real.allocate(precision, rows, cols);
        if (factor || rows < from) {
            return w;
        }
        return new WorkMatrix() {
            @Override
            public int rows() {
                return w.rows();
            }

            @Override
            public int cols() {
                return w.cols();
            }

            @Override
            public void putRows(int row0, double[] src, int count) {
                w.putRows(row0, src, count);
            }

            @Override
            public void getRows(int row0, double[] dst, int count) {
                w.getRows(row0, dst, count);
            }

            @Override
            public void subtractTransposedProduct(int row0, WorkMatrix A, int aRow0, int aCol0, int k, WorkMatrix B) {
                // the drill's defect: the lazy block update is lost
            }

            @Override
            public void close() {
                w.close();
            }
        };
    }
}
