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
