package io.comq.quant.linalg;

import io.comq.numeric.Precision;
import io.comq.tensor.Matrix;

/** A {@link DenseMath} that forwards everything to another: the base of one that changes a single operation. */
class DenseMathDelegate implements DenseMath {
    protected final DenseMath real;

    DenseMathDelegate(DenseMath real) {
        this.real = real;
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public double[] upperCholeskyOfInverse(double[] h, int n, double add, Precision precision) {
        return real.upperCholeskyOfInverse(h, n, add, precision);
    }

    @Override
    public double[] solveSymmetric(double[] a, int n, double add, double[] b, int m) {
        return real.solveSymmetric(a, n, add, b, m);
    }

    @Override
    public double[] multiply(double[] a, double[] b, int n, int k, int m) {
        return real.multiply(a, b, n, k, m);
    }

    @Override
    public double quadratic(Matrix H, Matrix E) {
        return real.quadratic(H, E);
    }

    @Override
    public WorkMatrix allocate(Precision precision, int rows, int cols) {
        return real.allocate(precision, rows, cols);
    }
}
