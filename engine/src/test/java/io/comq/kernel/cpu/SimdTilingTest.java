package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.SweepState;
import io.comq.quant.Grid;
import io.comq.quant.TieRule;
import org.junit.jupiter.api.Test;

/**
 * The ways a sweep runs ({@link SimdTiling}): in blocks throughout, eagerly from the start (any order, small
 * {@code H}) and eagerly after a sparse first block (both orders). Each gives the reference's result and agrees with
 * the sweep in blocks throughout. The default runs a small layer's greedy sweeps eagerly from the start, so these
 * tests force the other paths.
 */
class SimdTilingTest {

    private static final SimdTiling BLOCKS_THEN_EAGER = new SimdTiling(0, true);

    @Test
    void greedyInBlocksThroughoutMatchesTheReference() {
        sweepsMatchTheReference(SimdTiling.BLOCKED, 81L, Grid.SYM_MAXABS, 160, true);
    }

    @Test
    void greedyEagerFromTheStartMatchesTheReference() {
        sweepsMatchTheReference(SimdTiling.DEFAULT, 86L, Grid.SYM_MAXABS, 160, true);
    }

    @Test
    void greedyEagerAfterASparseFirstBlockMatchesTheReference() {
        // sweep 1 (init fp) is dense and runs in blocks; later sweeps change few coordinates and finish eagerly
        sweepsMatchTheReference(BLOCKS_THEN_EAGER, 82L, Grid.SYM_MAXABS, 160, true);
    }

    @Test
    void greedyWithPerGroupGridsMatchesTheReference() {
        sweepsMatchTheReference(SimdTiling.DEFAULT, 83L, Grid.ASYM_MINMAX, 32, true);
        sweepsMatchTheReference(BLOCKS_THEN_EAGER, 87L, Grid.ASYM_MINMAX, 32, true);
    }

    @Test
    void cyclicEagerAfterASparseFirstBlockMatchesTheReference() {
        sweepsMatchTheReference(SimdTiling.DEFAULT, 84L, Grid.SYM_MAXABS, 160, false);
    }

    @Test
    void cyclicEagerWithPerGroupGridsMatchesTheReference() {
        sweepsMatchTheReference(SimdTiling.DEFAULT, 85L, Grid.ASYM_MINMAX, 32, false);
    }

    @Test
    void tilingDecisions() {
        SimdTiling t = SimdTiling.DEFAULT;
        assertTrue(t.eagerFromStart(2048), "2048 x 2048 float32 (16 MiB) stays in the shared cache");
        assertFalse(t.eagerFromStart(3072), "3072 x 3072 float32 (36 MiB) does not");
        assertTrue(t.eagerAfter(100, 100, 64), "about one change per channel and block: finish eagerly");
        assertFalse(t.eagerAfter(100 * 64, 100, 64), "every coordinate changed: keep the blocks");
        assertFalse(SimdTiling.BLOCKED.eagerFromStart(16), "blocks throughout");
        assertFalse(SimdTiling.BLOCKED.eagerAfter(0, 100, 64), "blocks throughout");
    }

    private static void sweepsMatchTheReference(SimdTiling tiling, long seed, Grid grid, int rowsPerGroup,
                                                boolean greedy) {
        int in = 160;
        int out = 70;
        RandomLayer layer = RandomLayer.create(seed, in, out, rowsPerGroup, grid, 4);
        SweepState.F32 fast = layer.state(TieRule.HALF_EVEN);
        SweepState.F32 whole = layer.state(TieRule.HALF_EVEN);
        SweepState.F32 ref = layer.state(TieRule.HALF_EVEN);
        try (SimdKernel kernel = new SimdKernel(2, 32, tiling);
             SimdKernel blocked = new SimdKernel(2, 32, SimdTiling.BLOCKED)) {
            int[] order = greedy ? kernel.greedyOrder(fast) : null;
            for (int k = 1; k <= 3; k++) {
                long changed = kernel.sweep(fast, order);
                blocked.sweep(whole, order);
                long changedRef = SweepReference.sweep(ref, order);
                assertEquals(changedRef, changed, Math.max(2, 0.001 * changedRef), "changed count, sweep " + k);
                int n = fast.Z().length;
                assertTrue(SimdKernelTest.countSame(fast.Z(), ref.Z()) >= 0.999 * n, "codes, sweep " + k);
                assertTrue(SimdKernelTest.countSame(fast.Z(), whole.Z()) >= 0.999 * n,
                        "the same as in blocks throughout, sweep " + k);
                double rel = layer.relError(ref.Q());
                assertEquals(rel, layer.relError(fast.Q()), 0.005 * rel, "relative error, sweep " + k);
                SimdKernelTest.assertQMatchesCodes(fast);
                SimdKernelTest.assertGradientCurrent(layer, fast);
            }
        }
    }
}
