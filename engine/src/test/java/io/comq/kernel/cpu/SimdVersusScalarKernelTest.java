package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.SweepState;
import io.comq.quant.Grid;
import io.comq.numeric.TieRule;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SIMD kernel against the project's scalar reference kernel, both on float32 state: codes, errors, scales. */
class SimdVersusScalarKernelTest {

    @ParameterizedTest(name = "in {0} out {1} group {2} {3} {4} greedy {5} scale update {6}")
    @CsvSource({
        "53, 19, 53, SYM_MAXABS, HALF_EVEN, true, false",
        "53, 19, 53, SYM_MAXABS, HALF_EVEN, false, true",
        "96, 21, 32, ASYM_MINMAX, HALF_AWAY, true, true",
        "160, 12, 40, SYM_RESTRICTED, HALF_DOWN, false, false",
        "200, 36, 200, ASYM_MINMAX, HALF_UP, true, false",
    })
    void sameCodesAndErrorsAsTheScalarKernel(int in, int out, int rowsPerGroup, Grid grid, TieRule tie, boolean greedy,
                                             boolean scaleUpdate) {
        RandomLayer layer = RandomLayer.create(in * 31L + out, in, out, rowsPerGroup, grid, 4, 7);
        SweepState.F32 fast = layer.state(tie);
        SweepState.F32 ref = layer.state(tie);
        try (SimdKernel simd = new SimdKernel(2, 16); ScalarKernel scalar = new ScalarKernel(1)) {
            int[] order = greedy ? scalar.greedyOrder(ref) : null;
            if (greedy) {
                assertArrayEquals(order, simd.greedyOrder(fast), "greedy order");
            }
            for (int k = 1; k <= 3; k++) {
                simd.sweep(fast, order);
                scalar.sweep(ref, order);
                if (scaleUpdate) {
                    simd.updateScales(fast);
                    scalar.updateScales(ref);
                }
                int same = 0;
                for (int t = 0; t < fast.Z().length; t++) {
                    same += fast.Z()[t] == ref.Z()[t] ? 1 : 0;
                }
                assertTrue(same >= 0.999 * fast.Z().length, "sweep " + k + ": " + (fast.Z().length - same)
                        + " codes differ");
                double relRef = layer.relError(ref.Q());
                assertEquals(relRef, layer.relError(fast.Q()), 0.005 * relRef, "relative error after sweep " + k);
                double[] errFast = simd.residualErrors(fast);
                double[] errRef = scalar.residualErrors(ref);
                for (int j = 0; j < out; j++) {
                    assertEquals(errRef[j], errFast[j], 0.01 * errRef[j] + 1e-9, "residual of channel " + j);
                }
            }
            for (int g = 0; g < fast.scale().length; g++) {
                assertEquals(ref.scale()[g], fast.scale()[g], 1e-4 * Math.abs(ref.scale()[g]), "scale " + g);
            }
        }
    }
}
