package io.comq.cli;

import io.comq.calibration.GramAccumulator;
import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.format.npy.ArrayRef;
import io.comq.format.npy.NpyArray;
import io.comq.kernel.QuantKernel;
import io.comq.quant.LayerProblem;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.tensor.Matrix;

/**
 * Loads the arrays of {@code comq layer} into a {@link LayerProblem}: {@code W}, and {@code H} either read or
 * accumulated from calibration rows {@code X}, plus the mean input row when bias correction needs it. Every error
 * names the option and the file it came from.
 */
final class LayerInputs {
    private LayerInputs() {
    }

    /** Rows of {@code X} streamed into {@code H} per kernel call. */
    private static final int BATCH = 1024;

    /**
     * Reads the problem.
     *
     * @param weights  {@code --weights}
     * @param gram     {@code --gram}, or null
     * @param inputs   {@code --inputs}, or null (exactly one of gram and inputs)
     * @param meanRow  {@code --mean-row}, or null
     * @param needMean whether the mean input row is required (bias correction)
     */
    static LayerProblem load(ArrayRef weights, ArrayRef gram, ArrayRef inputs, ArrayRef meanRow, boolean needMean,
                             QuantKernel kernel, ProgressListener progress) {
        Matrix W = matrix("--weights", weights);
        if (!W.allFinite()) {
            throw new InvalidInputException("--weights " + weights + " contains NaN or infinite values");
        }
        double[] mu = meanRow == null ? null : meanRow(meanRow, W.rows());
        if (gram != null) {
            Matrix H = matrix("--gram", gram);
            if (H.rows() != H.cols() || H.rows() != W.rows()) {
                throw new ShapeMismatchException("--gram " + gram + " has shape (" + H.rows() + ", " + H.cols()
                        + ") but --weights " + weights + " has shape (" + W.rows() + ", " + W.cols()
                        + "): H must be (in, in) = (" + W.rows() + ", " + W.rows() + ") for W of shape (in, out)");
            }
            if (!H.allFinite()) {
                throw new InvalidInputException("--gram " + gram + " contains NaN or infinite values");
            }
            if (needMean && mu == null) {
                throw new InvalidInputException("--bias-correction needs the mean input row: give --inputs X.npy "
                        + "instead of --gram, or --mean-row mu.npy");
            }
            return new LayerProblem(W, H, mu, 0);
        }
        Matrix X = matrix("--inputs", inputs);
        if (X.cols() != W.rows()) {
            throw new ShapeMismatchException("--inputs " + inputs + " has shape (" + X.rows() + ", " + X.cols()
                    + ") but --weights " + weights + " has shape (" + W.rows() + ", " + W.cols()
                    + "): X must be (N, in) = (N, " + W.rows() + ")");
        }
        if (X.rows() == 0) {
            throw new InvalidInputException("--inputs " + inputs + " has no rows: calibration needs at least one");
        }
        if (!X.allFinite()) {
            throw new InvalidInputException("--inputs " + inputs + " contains NaN or infinite values");
        }
        GramAccumulator gramSum = new GramAccumulator(X.cols(), kernel);
        for (int r0 = 0; r0 < X.rows(); r0 += BATCH) {
            int r1 = Math.min(X.rows(), r0 + BATCH);
            gramSum.add(rows(X, r0, r1));
            progress.progress(Step.of(Step.Kind.GRAM, null, r1, X.rows()));
        }
        return new LayerProblem(W, gramSum.gram(), mu == null ? gramSum.meanRow() : mu, gramSum.samples());
    }

    private static Matrix matrix(String option, ArrayRef ref) {
        NpyArray a = ref.read();
        try {
            return a.toMatrix();
        } catch (InvalidInputException e) {
            throw new InvalidInputException(option + " " + ref + ": " + e.getMessage());
        }
    }

    private static double[] meanRow(ArrayRef ref, int in) {
        NpyArray a = ref.read();
        boolean vector = a.ndim() == 1 || (a.ndim() == 2 && a.shape()[0] == 1);
        if (!vector || a.size() != in || !a.dtype().isFloat()) {
            throw new ShapeMismatchException("--mean-row " + ref + " is " + a.dtype().numpyName() + " of shape "
                    + a.shapeString() + ": it must be a float vector of length in = " + in);
        }
        double[] mu = a.toDoubles();
        for (double v : mu) {
            if (!Double.isFinite(v)) {
                throw new InvalidInputException("--mean-row " + ref + " contains NaN or infinite values");
            }
        }
        return mu;
    }

    /** Rows {@code [r0, r1)} of {@code X} as a matrix (a copy; X itself is never modified). */
    private static Matrix rows(Matrix X, int r0, int r1) {
        int c = X.cols();
        if (r0 == 0 && r1 == X.rows()) {
            return X;
        }
        if (X instanceof Matrix.F32 f) {
            float[] d = new float[(r1 - r0) * c];
            System.arraycopy(f.data(), r0 * c, d, 0, d.length);
            return new Matrix.F32(r1 - r0, c, d);
        }
        double[] d = new double[(r1 - r0) * c];
        System.arraycopy(((Matrix.F64) X).data(), r0 * c, d, 0, d.length);
        return new Matrix.F64(r1 - r0, c, d);
    }
}
