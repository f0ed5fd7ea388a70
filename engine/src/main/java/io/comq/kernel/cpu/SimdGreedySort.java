package io.comq.kernel.cpu;

/**
 * One channel's greedy visiting order: inputs sorted by {@code sqrt(H_ii) * |W_ij|} descending, ties keeping the lower
 * input first. A stable least-significant-digit radix sort on the float bits (keys are non-negative, so their bit
 * patterns order like the values), one byte per pass, skipping bytes that are the same for every input; it replaces a
 * comparison sort of {@code in} packed longs per channel. One instance per worker thread (it holds scratch arrays).
 */
final class SimdGreedySort {

    private final int in;
    private final int[] keyA;
    private final int[] keyB;
    private final int[] idxA;
    private final int[] idxB;
    private final int[] count = new int[256];

    SimdGreedySort(int in) {
        this.in = in;
        this.keyA = new int[in];
        this.keyB = new int[in];
        this.idxA = new int[in];
        this.idxB = new int[in];
    }

    /**
     * Writes into {@code order[oo .. oo + in)} the inputs sorted by {@code root[i] * |W[wo + i]|} descending, ties by
     * ascending {@code i}.
     */
    void sort(float[] root, float[] W, int wo, int[] order, int oo) {
        int[] key = keyA;
        int[] idx = idxA;
        int[] key2 = keyB;
        int[] idx2 = idxB;
        int and = -1;
        int or = 0;
        for (int i = 0; i < in; i++) {
            // descending value = ascending complement; non-negative floats' bits order like the floats
            int k = ~Float.floatToIntBits(root[i] * Math.abs(W[wo + i]));
            key[i] = k;
            idx[i] = i;
            and &= k;
            or |= k;
        }
        int differ = and ^ or;
        for (int shift = 0; shift < 32; shift += 8) {
            if (((differ >>> shift) & 0xff) == 0) {
                continue;
            }
            java.util.Arrays.fill(count, 0);
            for (int t = 0; t < in; t++) {
                count[(key[t] >>> shift) & 0xff]++;
            }
            int sum = 0;
            for (int d = 0; d < 256; d++) {
                int c = count[d];
                count[d] = sum;
                sum += c;
            }
            for (int t = 0; t < in; t++) {
                int at = count[(key[t] >>> shift) & 0xff]++;
                key2[at] = key[t];
                idx2[at] = idx[t];
            }
            int[] tk = key;
            key = key2;
            key2 = tk;
            int[] ti = idx;
            idx = idx2;
            idx2 = ti;
        }
        System.arraycopy(idx, 0, order, oo, in);
    }
}
