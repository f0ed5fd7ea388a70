package io.comq.calibration;

import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.kernel.QuantKernel;
import io.comq.quant.LayerProblem;
import io.comq.quant.linalg.Linalg;
import io.comq.tensor.Matrix;

/**
 * Accumulates {@code H += X_b^T X_b} over calibration batches {@code X_b (rows, in)} in float64, with the column sums
 * (for the mean input row {@code mu}) and the number of rows seen. The arithmetic is the kernel's
 * {@link QuantKernel#accumulateGram}. Not thread-safe: feed it from one thread.
 *
 * <p>A {@linkplain #joint joint} accumulator takes rows {@code [X~ | X] (rows, 2 in)}: the inputs a layer sees in the
 * model whose earlier layers are already quantized, beside the float model's inputs for the same samples. Its
 * {@link #gram} is {@code H~ = X~^T X~}, and its {@link #problem} asks for the weights that make the layer's output on
 * {@code X~} closest to the float layer's output on {@code X}: {@code min ||X~ Wq - X W||²}, which is
 * {@code min ||X~ (Wq - W*)||²} (plus a constant) for the corrected target {@code W* = (H~)^-1 X~^T X W} (damped
 * towards {@code W}, see {@link #problem}). Every method then corrects the error the earlier layers left in its inputs
 * instead of only fitting to them.
 */
public final class GramAccumulator {
    /** The damping of the corrected target's solve, relative to the mean diagonal of {@code H~}. */
    public static final double CORRECTION_DAMP = 0.01;

    private final int in;
    private final int width;
    private final QuantKernel kernel;
    private final double[] gram;
    private final double[] colSum;
    private long samples;
    private int batches;

    /** An empty accumulator for layers with {@code in} inputs. */
    public GramAccumulator(int in, QuantKernel kernel) {
        this(in, in, kernel);
    }

    private GramAccumulator(int in, int width, QuantKernel kernel) {
        if (in <= 0) {
            throw new InvalidInputException("a layer needs at least one input, got " + in);
        }
        this.in = in;
        this.width = width;
        this.kernel = kernel;
        this.gram = new double[Math.multiplyExact(width, width)];
        this.colSum = new double[width];
    }

    /** An empty joint accumulator (rows {@code [X~ | X]} of {@code 2 in} columns) for layers with {@code in} inputs. */
    public static GramAccumulator joint(int in, QuantKernel kernel) {
        return new GramAccumulator(in, Math.multiplyExact(2, in), kernel);
    }

    /** Whether rows are {@code [X~ | X]} and {@link #problem} targets the corrected weights. */
    public boolean isJoint() {
        return width != in;
    }

    /** Columns of the rows {@link #add} takes: {@code in}, or {@code 2 in} for a joint accumulator. */
    public int width() {
        return width;
    }

    /**
     * Adds one batch.
     *
     * @throws ShapeMismatchException if the batch does not have {@code in} columns
     * @throws InvalidInputException  if the batch holds NaN or infinity (naming the batch, row and column); nothing is
     *                                accumulated then
     */
    public void add(Matrix batch) {
        if (batch.cols() != width) {
            throw new ShapeMismatchException("calibration batch " + batches + " has " + batch.cols()
                    + " columns but the layer has " + in + " inputs" + (isJoint() ? " (" + width + " joint columns)"
                    : ""));
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
            for (int c = 0; c < width; c++) {
                double v = batch.get(r, c);
                if (!Double.isFinite(v)) {
                    throw new InvalidInputException("calibration batch " + batches + " has " + v + " at row " + r
                            + ", column " + c + " (input channel " + c % in + "): the layer's inputs must be finite");
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

    /** A copy of {@code H = sum_b X_b^T X_b} ({@code H~} of a joint accumulator), {@code (in, in)}. */
    public Matrix.F64 gram() {
        return block(0, 0);
    }

    /** The cross Gram matrix {@code X~^T X (in, in)} of a joint accumulator. */
    public Matrix.F64 cross() {
        if (!isJoint()) {
            throw new IllegalStateException("only a joint accumulator has a cross Gram matrix");
        }
        return block(0, in);
    }

    /** The {@code (in, in)} block of the accumulated {@code (width, width)} matrix at row {@code r0}, column {@code c0}. */
    private Matrix.F64 block(int r0, int c0) {
        double[] b = new double[in * in];
        for (int r = 0; r < in; r++) {
            System.arraycopy(gram, (r0 + r) * width + c0, b, r * in, in);
        }
        return new Matrix.F64(in, in, b);
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

    /**
     * The layer problem of weight {@code W (in, out)} with the accumulated {@code H}, mean row and sample count; for a
     * joint accumulator, of the corrected target {@code W*} (same matrix type as {@code W}) with {@code H~}.
     */
    public LayerProblem problem(Matrix weights) {
        if (samples == 0) {
            throw new InvalidInputException("no calibration samples were accumulated for this layer");
        }
        Matrix.F64 h = gram();
        return new LayerProblem(isJoint() ? corrected(h, weights) : weights, h, meanRow(), samples);
    }

    /**
     * {@code W* = (H~ + lambda I)^-1 (X~^T X W + lambda W)}, the minimizer of {@code ||X~ W* - X W||² + lambda
     * ||W* - W||²} with {@code lambda = CORRECTION_DAMP * mean(diag H~)}: directions the samples hardly reach stay at
     * {@code W} (and identical inputs give {@code W* = W}); {@code W} itself if the solve fails.
     */
    private Matrix corrected(Matrix.F64 h, Matrix weights) {
        if (weights.rows() != in) {
            throw new ShapeMismatchException("W has " + weights.rows() + " input rows, the layer has " + in + " inputs");
        }
        int out = weights.cols();
        double meanDiag = h.meanDiagonal();
        double lambda = CORRECTION_DAMP * meanDiag;
        double[] w = weights.toF64().data();
        double[] rhs = Linalg.process().math().multiply(cross().data(), w, in, in, out);
        for (int k = 0; k < rhs.length; k++) {
            rhs[k] += lambda * w[k];
        }
        double[] target = meanDiag > 0 ? Linalg.process().solveSymmetric(h.data(), in, lambda, rhs, out) : null;
        if (target == null) {
            return weights;
        }
        Matrix.F64 corrected = new Matrix.F64(in, out, target);
        return weights instanceof Matrix.F32 ? corrected.toF32() : corrected;
    }
}
