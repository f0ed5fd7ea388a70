package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The radix greedy order against a comparison sort by (value descending, input ascending). */
class SimdGreedySortTest {

    @Test
    void matchesAComparisonSortWithManyTiesZerosAndWideRanges() {
        Random rnd = new Random(5);
        for (int in : new int[] {1, 2, 7, 64, 300, 1000}) {
            SimdGreedySort sort = new SimdGreedySort(in);
            for (int trial = 0; trial < 20; trial++) {
                float[] root = new float[in];
                float[] w = new float[in + 3];
                for (int i = 0; i < in; i++) {
                    root[i] = trial % 3 == 0 ? 1f : (float) Math.abs(rnd.nextGaussian()) * (i % 7 == 0 ? 1e4f : 1f);
                    // trial % 2: few distinct values (many ties); otherwise spread over many binades, some zeros
                    w[i + 3] = trial % 2 == 1 ? (rnd.nextInt(5) - 2) * 0.25f
                            : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(12) - 6));
                    if (rnd.nextInt(10) == 0) {
                        w[i + 3] = 0f;
                    }
                }
                int[] order = new int[in + 5];
                sort.sort(root, w, 3, order, 5);
                Integer[] expected = new Integer[in];
                for (int i = 0; i < in; i++) {
                    expected[i] = i;
                }
                Arrays.sort(expected, Comparator.<Integer>comparingDouble(i -> -(root[i] * Math.abs(w[i + 3])))
                        .thenComparingInt(i -> i));
                assertArrayEquals(Arrays.stream(expected).mapToInt(Integer::intValue).toArray(),
                        Arrays.copyOfRange(order, 5, 5 + in), "in " + in + " trial " + trial);
            }
        }
    }
}
