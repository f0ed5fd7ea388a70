package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import org.junit.jupiter.api.Test;

class BitAllocatorTest {
    static final int[] BITS = {3, 4, 8};

    @Test
    void spendsTheBudgetWhereItSavesMostDriftPerBit() {
        long[] weights = {100, 100, 100, 100};
        double[][] s = {
            {0.10, 0.02, 0.000},   // 3 -> 4 saves 0.08 for 100 bits
            {0.01, 0.005, 0.000},  // hardly matters
            {0.50, 0.30, 0.001},   // the sensitive layer: 3 -> 8 saves 0.5 for 500 bits
            {0.05, 0.01, 0.000},
        };
        // 3.75 bits on average: 1500 bits, 1200 at 3 bits, 300 to spend: the three layers that gain most from 4 bits
        int[] chosen = BitAllocator.allocate(weights, BITS, s, 3.75);
        assertEquals(3.75, BitAllocator.average(weights, chosen), 1e-12);
        assertArrayEquals(new int[] {4, 3, 4, 4}, new int[] {chosen[0], chosen[1], chosen[2], chosen[3]},
                java.util.Arrays.toString(chosen));
        // 5 bits on average: 2000 bits, 800 to spend: all at 4 bits, then the sensitive layer at 8
        chosen = BitAllocator.allocate(weights, BITS, s, 5.0);
        assertArrayEquals(new int[] {4, 4, 8, 4}, chosen, java.util.Arrays.toString(chosen));
        assertTrue(BitAllocator.average(weights, chosen) <= 5.0);
        // everything at the top when the budget allows
        assertArrayEquals(new int[] {8, 8, 8, 8}, BitAllocator.allocate(weights, BITS, s, 8.0));
        assertThrows(InvalidConfigException.class, () -> BitAllocator.allocate(weights, BITS, s, 2.5));
    }
}
