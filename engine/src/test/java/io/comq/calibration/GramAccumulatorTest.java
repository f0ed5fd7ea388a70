package io.comq.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.LayerProblem;
import io.comq.quant.RandomLayers;
import io.comq.tensor.Matrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GramAccumulatorTest {

    private static ScalarKernel kernel;

    @BeforeAll
    static void start() {
        kernel = new ScalarKernel(2);
    }

    @AfterAll
    static void stop() {
        kernel.close();
    }

    private static Matrix.F64 rows(Matrix.F64 X, int from, int to) {
        return new Matrix.F64(to - from, X.cols(), Arrays.copyOfRange(X.data(), from * X.cols(), to * X.cols()));
    }

    @Test
    void threeBatchesEqualXtX() {
        Matrix.F64 X = RandomLayers.inputs(new Random(4), 97, 24);
        GramAccumulator acc = new GramAccumulator(24, kernel);
        acc.add(rows(X, 0, 30));
        acc.add(rows(X, 30, 31));
        acc.add(rows(X, 31, 97));
        Matrix.F64 expected = RandomLayers.gram(X);
        double[] h = acc.gram().data();
        for (int k = 0; k < h.length; k++) {
            assertEquals(expected.data()[k], h[k], 1e-10 * (1 + Math.abs(expected.data()[k])), "H[" + k + "]");
        }
        assertArrayEquals(RandomLayers.mean(X), acc.meanRow(), 1e-12);
        assertEquals(97, acc.samples());
        assertEquals(3, acc.batches());
        LayerProblem p = acc.problem(RandomLayers.weights(new Random(5), 24, 3));
        assertEquals(97, p.samples());
        assertEquals(24, p.in());
    }

    /** Rows {@code [A | B]} of two {@code (rows, in)} matrices. */
    private static Matrix.F64 sideBySide(Matrix.F64 A, Matrix.F64 B) {
        int in = A.cols();
        double[] j = new double[A.rows() * 2 * in];
        for (int r = 0; r < A.rows(); r++) {
            System.arraycopy(A.data(), r * in, j, 2 * r * in, in);
            System.arraycopy(B.data(), r * in, j, (2 * r + 1) * in, in);
        }
        return new Matrix.F64(A.rows(), 2 * in, j);
    }

    /** {@code ||A P - B W||²} over all entries. */
    private static double outputError(Matrix.F64 A, Matrix P, Matrix.F64 B, Matrix W) {
        double e = 0;
        for (int r = 0; r < A.rows(); r++) {
            for (int c = 0; c < W.cols(); c++) {
                double d = 0;
                for (int k = 0; k < A.cols(); k++) {
                    d += A.get(r, k) * P.get(k, c) - B.get(r, k) * W.get(k, c);
                }
                e += d * d;
            }
        }
        return e;
    }

    @Test
    void jointStatisticsTargetTheFloatLayersOutput() {
        Random rnd = new Random(11);
        int in = 16;
        Matrix.F64 X = RandomLayers.inputs(rnd, 200, in);
        // the inputs the layer sees once earlier layers are quantized: a mixing error plus noise
        double[] xt = X.data().clone();
        for (int r = 0; r < X.rows(); r++) {
            for (int k = 0; k < in; k++) {
                xt[r * in + k] += 0.2 * X.get(r, (k + 1) % in) + 0.05 * rnd.nextGaussian();
            }
        }
        Matrix.F64 Xt = new Matrix.F64(X.rows(), in, xt);
        Matrix.F64 W = RandomLayers.weights(rnd, in, 5);
        GramAccumulator acc = GramAccumulator.joint(in, kernel);
        assertTrue(acc.isJoint());
        acc.add(rows(sideBySide(Xt, X), 0, 120));
        acc.add(rows(sideBySide(Xt, X), 120, 200));
        assertEquals(200, acc.samples());
        assertArrayEquals(RandomLayers.gram(Xt).data(), acc.gram().data(), 1e-9, "H~ = X~^T X~");
        assertArrayEquals(RandomLayers.mean(Xt), acc.meanRow(), 1e-12, "mean row of X~");
        LayerProblem p = acc.problem(W);
        assertArrayEquals(RandomLayers.gram(Xt).data(), p.gram().toF64().data(), 1e-9);
        double corrected = outputError(Xt, p.weights(), X, W);
        double plain = outputError(Xt, W, X, W);
        assertTrue(corrected < 0.2 * plain, "corrected target " + corrected + " vs W itself " + plain);
        assertThrows(ShapeMismatchException.class, () -> acc.add(rows(X, 0, 5)));
    }

    @Test
    void jointStatisticsOfIdenticalInputsKeepTheWeights() {
        Random rnd = new Random(12);
        Matrix.F64 X = RandomLayers.inputs(rnd, 300, 12);
        Matrix.F64 W = RandomLayers.weights(rnd, 12, 4);
        GramAccumulator acc = GramAccumulator.joint(12, kernel);
        acc.add(sideBySide(X, X));
        Matrix target = acc.problem(W).weights();
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < W.toF64().data().length; k++) {
            diff += Math.pow(target.toF64().data()[k] - W.toF64().data()[k], 2);
            norm += Math.pow(W.toF64().data()[k], 2);
        }
        assertTrue(diff < 1e-3 * norm, "W* moved from W by " + Math.sqrt(diff / norm) + " (damping only)");
        assertTrue(acc.problem(W.toF32()).weights() instanceof Matrix.F32, "a float32 W gets a float32 target");
    }

    @Test
    void float32BatchesAccumulateInFloat64() {
        float[] x = {1e-4f, 1f, 3f, -2f};
        GramAccumulator acc = new GramAccumulator(2, kernel);
        for (int b = 0; b < 1000; b++) {
            acc.add(new Matrix.F32(2, 2, x));
        }
        double x00 = (double) 1e-4f * 1e-4f + 9;
        assertEquals(1000 * x00, acc.gram().get(0, 0), 1e-9);
        assertEquals(1000 * ((double) 1e-4f * 1f + 3 * -2), acc.gram().get(0, 1), 1e-9);
    }

    @Test
    void nanIsRefusedNamingBatchAndColumn() {
        GramAccumulator acc = new GramAccumulator(3, kernel);
        acc.add(new Matrix.F64(1, 3, new double[] {1, 2, 3}));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> acc.add(new Matrix.F64(2, 3, new double[] {1, 2, 3, 4, Double.NaN, 6})));
        assertTrue(e.getMessage().contains("batch 1") && e.getMessage().contains("column 1"), e.getMessage());
        assertEquals(1, acc.samples(), "a refused batch adds nothing");
        assertEquals(10, acc.gram().get(2, 2) + acc.gram().get(0, 0), "only batch 0: 3*3 + 1*1");
    }

    @Test
    void wrongWidthAndEmptyAreRefused() {
        GramAccumulator acc = new GramAccumulator(3, kernel);
        assertThrows(ShapeMismatchException.class, () -> acc.add(Matrix.F64.zeros(2, 4)));
        assertThrows(InvalidInputException.class, () -> acc.problem(Matrix.F64.zeros(3, 1)));
    }
}
