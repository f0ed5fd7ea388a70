package io.comq.calibration;

import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.kernel.QuantKernel;
import io.comq.quant.LayerProblem;
import io.comq.tensor.Matrix;

/**
 * Accumulates {@code H += X_b^T X_b} over calibration batches {@code X_b (rows, in)} in float64, with the column sums
 * (for the mean input row {@code mu}) and the number of rows seen. The arithmetic is the kernel's
 * {@link QuantKernel#accumulateGram}. Not thread-safe: feed it from one thread.
 */
public final class GramAccumulator {

    private final int in;
    private final QuantKernel kernel;
    private final double[] gram;
    private final double[] colSum;
    private long samples;
    private int batches;

    /** An empty accumulator for layers with {@code in} inputs. */
    public GramAccumulator(int in, QuantKernel kernel) {
        if (in <= 0) {
            throw new InvalidInputException("a layer needs at least one input, got " + in);
        }
        this.in = in;
        this.kernel = kernel;
        this.gram = new double[Math.multiplyExact(in, in)];
        this.colSum = new double[in];
    }

    /**
     * Adds one batch.
     *
     * @throws ShapeMismatchException if the batch does not have {@code in} columns
     * @throws InvalidInputException  if the batch holds NaN or infinity (naming the batch, row and column); nothing is
     *                                accumulated then
     */
    public void add(Matrix batch) {
        if (batch.cols() != in) {
            throw new ShapeMismatchException("calibration batch " + batches + " has " + batch.cols()
                    + " columns but the layer has " + in + " inputs");
        }
        checkFinite(batch);
        kernel.accumulateGram(batch, gram, colSum);
        samples += batch.rows();
        batches++;
    }

    private void checkFinite(Matrix batch) {
        if (batch.allFinite()) {
            return;
        }
        for (int r = 0; r < batch.rows(); r++) {
            for (int c = 0; c < in; c++) {
                double v = batch.get(r, c);
                if (!Double.isFinite(v)) {
                    throw new InvalidInputException("calibration batch " + batches + " has " + v + " at row " + r
                            + ", column " + c + " (input channel " + c + "): the layer's inputs must be finite");
                }
            }
        }
    }

    public int in() {
        return in;
    }

    /** Rows accumulated so far. */
    public long samples() {
        return samples;
    }

    /** Batches accumulated so far. */
    public int batches() {
        return batches;
    }

    /** A copy of {@code H = sum_b X_b^T X_b}, {@code (in, in)}. */
    public Matrix.F64 gram() {
        return new Matrix.F64(in, in, gram.clone());
    }

    /** The mean input row {@code mu = colSum / samples} (zeros before any sample). */
    public double[] meanRow() {
        double[] mu = new double[in];
        if (samples > 0) {
            for (int k = 0; k < in; k++) {
                mu[k] = colSum[k] / samples;
            }
        }
        return mu;
    }

    /** The layer problem of weight {@code W (in, out)} with the accumulated {@code H}, mean row and sample count. */
    public LayerProblem problem(Matrix weights) {
        if (samples == 0) {
            throw new InvalidInputException("no calibration samples were accumulated for this layer");
        }
        return new LayerProblem(weights, gram(), meanRow(), samples);
    }
}
