package io.comq.kernel.cpu;

/**
 * {@code G = H (W - Q)} for a share of channels as a cache-blocked GEMM ({@code in^2} multiply-adds per channel):
 * the rows of {@code H} are taken {@link #KC} at a time, the channels {@link #MC} at a time with their
 * {@code W - Q} block packed, and each column panel of {@code H} is reused by every channel of the block while it is in
 * cache. One instance per worker thread (it owns the packing buffer).
 */
final class SimdGradient {

    /** Rows of {@code H} per block. */
    static final int KC = 256;
    /** Channels per packed block. */
    static final int MC = 64;

    private final float[] packed = new float[MC * KC];
    private final int[] identity = new int[KC];

    SimdGradient() {
        for (int t = 0; t < KC; t++) {
            identity[t] = t;
        }
    }

    /** Sets {@code G[j, :] = H (W[j, :] - Q[j, :])} for channels {@code [j0, j1)}. */
    void compute(float[] H, float[] W, float[] Q, float[] G, int in, int j0, int j1) {
        java.util.Arrays.fill(G, j0 * in, j1 * in, 0f);
        int rEnd = SimdPanels.panelEnd(in);
        for (int kc = 0; kc < in; kc += KC) {
            int kn = Math.min(KC, in - kc);
            for (int mc = j0; mc < j1; mc += MC) {
                int mn = Math.min(MC, j1 - mc);
                for (int c = 0; c < mn; c++) {
                    int w = (mc + c) * in + kc;
                    for (int t = 0; t < kn; t++) {
                        packed[c * KC + t] = W[w + t] - Q[w + t];
                    }
                }
                addBlock(H, in, kc, kn, G, mc, mn, rEnd);
            }
        }
    }

    private void addBlock(float[] H, int in, int kc, int kn, float[] G, int mc, int mn, int rEnd) {
        int quads = mn - mn % 4;
        int[] rows = quads < mn || rEnd < in ? rowsFrom(kc, kn) : identity;
        for (int r = 0; r < rEnd; r += SimdPanels.PANEL) {
            for (int c = 0; c < quads; c += 4) {
                SimdPanels.add4(H, in, kc, identity, 0, kn, packed, c * KC, KC, G, (mc + c) * in, r);
            }
            for (int c = quads; c < mn; c++) {
                SimdPanels.add1(H, in, rows, 0, packed, c * KC, kn, G, (mc + c) * in, r);
            }
        }
        if (rEnd < in) {
            for (int c = 0; c < mn; c++) {
                SimdPanels.add1Tail(H, in, rows, 0, packed, c * KC, kn, G, (mc + c) * in, rEnd);
            }
        }
    }

    private int[] rowsFrom(int kc, int kn) {
        int[] rows = new int[kn];
        for (int t = 0; t < kn; t++) {
            rows[t] = kc + t;
        }
        return rows;
    }
}
