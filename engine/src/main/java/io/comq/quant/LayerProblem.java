package io.comq.quant;

import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.tensor.Matrix;

/**
 * One layer to quantize: its weight {@code W (in, out)} and the Gram matrix {@code H = X^T X (in, in)} of its
 * calibration inputs, optionally with the mean input row {@code mu} (needed for bias compensation).
 *
 * @param weights  {@code W}, shape {@code (in, out)}
 * @param gram     {@code H}, shape {@code (in, in)}, symmetric positive semi-definite
 * @param meanRow  {@code mu}, length {@code in}, or {@code null} when unknown
 * @param samples  number of calibration rows behind {@code H} (0 when unknown)
 */
public record LayerProblem(Matrix weights, Matrix gram, double[] meanRow, long samples) {
    public LayerProblem {
        if (weights == null || gram == null) {
            throw new InvalidInputException("a layer needs both a weight matrix and a Gram matrix");
        }
        if (gram.rows() != gram.cols()) {
            throw new ShapeMismatchException("H must be square, got (" + gram.rows() + ", " + gram.cols() + ")");
        }
        if (gram.rows() != weights.rows()) {
            throw new ShapeMismatchException("H is (" + gram.rows() + ", " + gram.cols() + ") but W is (" + weights.rows()
                    + ", " + weights.cols() + "): H must be (in, in) for W of shape (in, out)");
        }
        if (meanRow != null && meanRow.length != weights.rows()) {
            throw new ShapeMismatchException("mean input row has " + meanRow.length + " entries, W has " + weights.rows()
                    + " input rows");
        }
        if (!weights.allFinite()) {
            throw new InvalidInputException("W contains NaN or infinite values");
        }
        if (!gram.allFinite()) {
            throw new InvalidInputException("H contains NaN or infinite values");
        }
    }

    public static LayerProblem of(Matrix weights, Matrix gram) {
        return new LayerProblem(weights, gram, null, 0);
    }

    public int in() {
        return weights.rows();
    }

    public int out() {
        return weights.cols();
    }
}
