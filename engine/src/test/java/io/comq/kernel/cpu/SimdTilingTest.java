package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.SweepState;
import io.comq.quant.Grid;
import io.comq.quant.TieRule;
import org.junit.jupiter.api.Test;

/**
 * The pieces a sweep is cut into ({@link SimdTiling}): channel chunks of the any-order sweep and the eager finish of
 * sparse sweeps give the reference's result, and agree with the untiled sweep that runs in blocks throughout. The
 * default tiling only chunks for small {@code H}, so these tests force each path on a small layer with tiny chunks.
 */
class SimdTilingTest {

    /** 8 channels per chunk at {@code in = 160}. */
    private static final long CHUNK = 16L * 160 * 8;

    @Test
    void chunksFromTheStartMatchTheReference() {
        sweepsMatchTheReference(new SimdTiling(CHUNK, Long.MAX_VALUE, false), 81L, Grid.SYM_MAXABS, 160, true);
    }

    @Test
    void eagerFinishAfterASparseFirstBlockMatchesTheReference() {
        // smallH 0: no chunks; sweep 1 (init fp) is dense and runs in blocks, later sweeps change few coordinates and
        // finish channel by channel after their first block
        sweepsMatchTheReference(new SimdTiling(CHUNK, 0, true), 82L, Grid.SYM_MAXABS, 160, true);
    }

    @Test
    void cyclicEagerFinishMatchesTheReference() {
        sweepsMatchTheReference(SimdTiling.DEFAULT, 84L, Grid.SYM_MAXABS, 160, false);
    }

    @Test
    void chunksWithPerGroupGridsMatchTheReference() {
        sweepsMatchTheReference(new SimdTiling(CHUNK, Long.MAX_VALUE, true), 83L, Grid.ASYM_MINMAX, 32, true);
    }

    @Test
    void cyclicEagerFinishWithPerGroupGridsMatchesTheReference() {
        sweepsMatchTheReference(SimdTiling.DEFAULT, 85L, Grid.ASYM_MINMAX, 32, false);
    }

    @Test
    void tilingDecisions() {
        SimdTiling t = SimdTiling.DEFAULT;
        assertEquals(8, t.chunkChannels(4096), "512 KiB of state at 64 KiB per channel");
        assertEquals(4, t.chunkChannels(1 << 20), "at least four channels per chunk");
        assertTrue(t.chunkFromStart(768), "768 x 768 float32 (2.25 MiB) stays in the shared cache");
        assertFalse(t.chunkFromStart(4096), "4096 x 4096 float32 (64 MiB) does not");
        assertTrue(t.eagerAfter(100, 100, 64), "about one change per channel and block: finish eagerly");
        assertFalse(t.eagerAfter(100 * 64, 100, 64), "every coordinate changed: keep the blocks");
        assertFalse(SimdTiling.UNTILED.eagerAfter(0, 100, 64), "untiled sweeps run in blocks throughout");
        assertEquals(Integer.MAX_VALUE, SimdTiling.UNTILED.chunkChannels(16));
    }

    private static void sweepsMatchTheReference(SimdTiling tiling, long seed, Grid grid, int rowsPerGroup,
                                                boolean greedy) {
        int in = 160;
        int out = 70;
        RandomLayer layer = RandomLayer.create(seed, in, out, rowsPerGroup, grid, 4);
        SweepState.F32 chunked = layer.state(TieRule.HALF_EVEN);
        SweepState.F32 whole = layer.state(TieRule.HALF_EVEN);
        SweepState.F32 ref = layer.state(TieRule.HALF_EVEN);
        try (SimdKernel kernel = new SimdKernel(2, 32, tiling);
             SimdKernel untiled = new SimdKernel(2, 32, SimdTiling.UNTILED)) {
            int[] order = greedy ? kernel.greedyOrder(chunked) : null;
            for (int k = 1; k <= 3; k++) {
                long changed = kernel.sweep(chunked, order);
                untiled.sweep(whole, order);
                long changedRef = SweepReference.sweep(ref, order);
                assertEquals(changedRef, changed, Math.max(2, 0.001 * changedRef), "changed count, sweep " + k);
                int n = chunked.Z().length;
                assertTrue(SimdKernelTest.countSame(chunked.Z(), ref.Z()) >= 0.999 * n, "codes, sweep " + k);
                assertTrue(SimdKernelTest.countSame(chunked.Z(), whole.Z()) >= 0.999 * n,
                        "chunked and unchunked agree, sweep " + k);
                double rel = layer.relError(ref.Q());
                assertEquals(rel, layer.relError(chunked.Q()), 0.005 * rel, "relative error, sweep " + k);
                SimdKernelTest.assertQMatchesCodes(chunked);
                SimdKernelTest.assertGradientCurrent(layer, chunked);
            }
        }
    }
}
