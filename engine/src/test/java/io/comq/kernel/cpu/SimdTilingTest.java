package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.quant.Grid;
import io.comq.numeric.TieRule;
import org.junit.jupiter.api.Test;

/**
 * The ways a sweep runs ({@link SimdTiling}): in blocks throughout, eagerly from the start (any order, small
 * {@code H}) and eagerly after a sparse first block (both orders). Each gives the reference's result and agrees with
 * the sweep in blocks throughout. The default runs a small layer's greedy sweeps eagerly from the start, so these
 * tests force the other paths.
 */
class SimdTilingTest {

    private static final SimdTiling BLOCKS_THEN_EAGER = new SimdTiling(0, true, true);
    /** Blocks throughout, cyclic ones one channel at a time. */
    private static final SimdTiling ONE_CHANNEL = new SimdTiling(0, false, false);

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
    void cyclicBlocksInChannelLanesGiveTheCodesOfOneChannelAtATime() {
        // per-channel grid; groups that change inside a block; a tie rule the lanes round one by one; dead inputs.
        // 70 channels over 2 threads leave channels outside the lanes in each share.
        lanesMatchOneChannel(91L, 160, Grid.SYM_MAXABS, 160, TieRule.HALF_EVEN);
        lanesMatchOneChannel(92L, 160, Grid.ASYM_MINMAX, 16, TieRule.HALF_EVEN);
        lanesMatchOneChannel(93L, 160, Grid.SYM_MAXABS, 160, TieRule.HALF_AWAY, 3, 40);
        lanesMatchOneChannel(94L, 96, Grid.ASYM_MINMAX, 48, TieRule.HALF_DOWN, 7);
    }

    @Test
    void channelLanesBreakExactTiesByTheTieRule() {
        // H = 2 I keeps G = 0, so each visit rounds W / scale = k + 1/2 exactly: the tie rule alone decides the code
        int in = 32;
        int out = 32;
        Layout l = new Layout(in, out, in);
        float[] H = new float[in * in];
        for (int i = 0; i < in; i++) {
            H[l.h(i, i)] = 2f;
        }
        float[] W = new float[in * out];
        for (int j = 0; j < out; j++) {
            for (int i = 0; i < in; i++) {
                W[l.at(j, i)] = 0.25f * ((i + j) % 7 - 3 + 0.5f);
            }
        }
        float[] scale = new float[out];
        int[] lo = new int[out];
        int[] hi = new int[out];
        java.util.Arrays.fill(scale, 0.25f);
        java.util.Arrays.fill(lo, -4);
        java.util.Arrays.fill(hi, 3);
        for (TieRule tie : TieRule.values()) {
            SweepState.F32 s = new SweepState.F32(l, tie, H, W, W.clone(), new int[in * out], new float[in * out],
                    scale, lo, hi);
            try (SimdKernel kernel = new SimdKernel(1, 32, SimdTiling.BLOCKED)) {
                kernel.sweep(s, null);
            }
            for (int t = 0; t < W.length; t++) {
                int expected = SimdSweeper.clip(tie.round(W[t] / 0.25f), -4, 3);
                assertEquals(expected, s.Z()[t], tie + ": code of " + W[t] / 0.25f);
            }
        }
    }

    private static void lanesMatchOneChannel(long seed, int in, Grid grid, int rowsPerGroup, TieRule tie,
                                             int... dead) {
        RandomLayer layer = RandomLayer.create(seed, in, 70, rowsPerGroup, grid, 3, dead);
        SweepState.F32 lanes = layer.state(tie);
        SweepState.F32 one = layer.state(tie);
        try (SimdKernel a = new SimdKernel(2, 32, SimdTiling.BLOCKED);
             SimdKernel b = new SimdKernel(2, 32, ONE_CHANNEL)) {
            for (int k = 1; k <= 3; k++) {
                long changed = a.sweep(lanes, null);
                assertEquals(b.sweep(one, null), changed, "changed count, sweep " + k);
                assertTrue(k > 1 || changed > 0.5 * one.Z().length, "sweep 1 from fp changes most coordinates");
                assertArrayEquals(one.Z(), lanes.Z(), "codes, sweep " + k);
                assertArrayEquals(one.Q(), lanes.Q(), "values, sweep " + k);
                assertArrayEquals(one.G(), lanes.G(), "gradients, sweep " + k);
            }
        }
    }

    @Test
    void greedyBlocksGiveTheSameResultOnAnyNumberOfThreads() {
        // the team splits phase 1 by channels and phase 2 by column panels; neither split may change a bit.
        // in = 150 leaves a tail past the last 32-column panel; BLOCKED keeps sparse later sweeps in blocks, where
        // phase 2 adds pieces of rows; BLOCKS_THEN_EAGER finishes them eagerly after a team decision.
        for (SimdTiling tiling : new SimdTiling[] {SimdTiling.BLOCKED, BLOCKS_THEN_EAGER}) {
            RandomLayer layer = RandomLayer.create(95L, 150, 70, 150, Grid.SYM_MAXABS, 4, 11);
            SweepState.F32 one = layer.state(TieRule.HALF_EVEN);
            SweepState.F32 two = layer.state(TieRule.HALF_EVEN);
            SweepState.F32 three = layer.state(TieRule.HALF_EVEN);
            try (SimdKernel k1 = new SimdKernel(1, 32, tiling);
                 SimdKernel k2 = new SimdKernel(2, 32, tiling);
                 SimdKernel k3 = new SimdKernel(3, 32, tiling)) {
                int[] order = k1.greedyOrder(one);
                for (int k = 1; k <= 3; k++) {
                    long changed = k1.sweep(one, order);
                    assertEquals(changed, k2.sweep(two, order), "changed count on 2 threads, sweep " + k);
                    assertEquals(changed, k3.sweep(three, order), "changed count on 3 threads, sweep " + k);
                    for (SweepState.F32 s : new SweepState.F32[] {two, three}) {
                        assertArrayEquals(one.Z(), s.Z(), "codes, sweep " + k);
                        assertArrayEquals(one.Q(), s.Q(), "values, sweep " + k);
                        assertArrayEquals(one.G(), s.G(), "gradients, sweep " + k);
                    }
                }
                SimdKernelTest.assertGradientCurrent(layer, three);
            }
        }
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
