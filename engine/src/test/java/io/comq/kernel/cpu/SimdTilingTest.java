package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.SweepState;
import io.comq.quant.Grid;
import io.comq.quant.TieRule;
import org.junit.jupiter.api.Test;

/**
 * The channel chunks of the any-order sweep ({@link SimdTiling}): the chunked paths give the reference's result. The
 * default tiling only chunks from the start for small {@code H} and adaptively for {@code H} over 8 MiB, so these
 * tests force each path on a small layer with tiny chunks.
 */
class SimdTilingTest {

    /** 8 channels per chunk at {@code in = 160}. */
    private static final long CHUNK = 16L * 160 * 8;

    @Test
    void chunksFromTheStartMatchTheReference() {
        sweepsMatchTheReference(new SimdTiling(CHUNK, Long.MAX_VALUE), 81L, Grid.SYM_MAXABS, 160);
    }

    @Test
    void chunksAfterASparseFirstBlockMatchTheReference() {
        // smallH 0: the first block runs over the whole share; sweep 1 (init fp) is dense and stays unchunked,
        // later sweeps change few coordinates and are chunked after their first block
        sweepsMatchTheReference(new SimdTiling(CHUNK, 0), 82L, Grid.SYM_MAXABS, 160);
    }

    @Test
    void chunksWithPerGroupGridsMatchTheReference() {
        sweepsMatchTheReference(new SimdTiling(CHUNK, Long.MAX_VALUE), 83L, Grid.ASYM_MINMAX, 32);
    }

    @Test
    void tilingDecisions() {
        SimdTiling t = SimdTiling.DEFAULT;
        assertEquals(8, t.chunkChannels(4096), "512 KiB of state at 64 KiB per channel");
        assertEquals(4, t.chunkChannels(1 << 20), "at least four channels per chunk");
        assertTrue(t.chunkFromStart(768), "768 x 768 float32 (2.25 MiB) stays in the shared cache");
        assertFalse(t.chunkFromStart(4096), "4096 x 4096 float32 (64 MiB) does not");
        assertTrue(t.chunkAfter(100, 100, 64), "about one change per channel and block: chunk");
        assertFalse(t.chunkAfter(100 * 64, 100, 64), "every coordinate changed: keep the panel pass over the share");
        assertEquals(Integer.MAX_VALUE, SimdTiling.UNTILED.chunkChannels(16));
    }

    private static void sweepsMatchTheReference(SimdTiling tiling, long seed, Grid grid, int rowsPerGroup) {
        int in = 160;
        int out = 70;
        RandomLayer layer = RandomLayer.create(seed, in, out, rowsPerGroup, grid, 4);
        SweepState.F32 chunked = layer.state(TieRule.HALF_EVEN);
        SweepState.F32 whole = layer.state(TieRule.HALF_EVEN);
        SweepState.F32 ref = layer.state(TieRule.HALF_EVEN);
        try (SimdKernel kernel = new SimdKernel(2, 32, tiling);
             SimdKernel untiled = new SimdKernel(2, 32, SimdTiling.UNTILED)) {
            int[] order = kernel.greedyOrder(chunked);
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
