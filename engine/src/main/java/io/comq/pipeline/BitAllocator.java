package io.comq.pipeline;

import io.comq.error.InvalidConfigException;
import io.comq.option.Setting;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chooses each layer's bits among candidates to minimise the summed whole-model drift under a budget on the
 * weight-weighted average bits. Greedy on the best drift saved per extra bit of storage: every layer starts at the
 * fewest candidate bits, and the upgrade (to any higher candidate) with the largest
 * {@code (s_l(b) - s_l(b')) / (n_l (b' - b))} that still fits the budget is taken, until none fits. Drift is taken as
 * additive over layers (measured one layer at a time).
 */
final class BitAllocator {
    private BitAllocator() {
    }

    /**
     * @param weights     weights per layer
     * @param bits        candidate bits, ascending
     * @param sensitivity {@code [layer][candidate]} drift of the model with that layer alone quantized at those bits
     * @param avgBits     the budget: at most this many bits per weight on average
     * @return the chosen bits per layer
     */
    static int[] allocate(long[] weights, int[] bits, double[][] sensitivity, double avgBits) {
        int n = weights.length;
        long total = 0;
        for (long w : weights) {
            total += w;
        }
        double budget = avgBits * total;
        int[] choice = new int[n];
        double used = (double) bits[0] * total;
        if (used > budget * (1 + 1e-12)) {
            throw new InvalidConfigException(String.format(Locale.ROOT, "an average of %s bits per weight is below "
                    + "the fewest candidate bits (%d); raise " + Setting.AVG_BITS.ref()
                    + " or add a lower candidate", avgBits, bits[0]));
        }
        while (true) {
            int bestLayer = -1;
            int bestTo = -1;
            double bestGain = 0;
            for (int l = 0; l < n; l++) {
                for (int c = choice[l] + 1; c < bits.length; c++) {
                    double extra = (double) weights[l] * (bits[c] - bits[choice[l]]);
                    if (used + extra > budget * (1 + 1e-12)) {
                        continue;
                    }
                    double gain = (sensitivity[l][choice[l]] - sensitivity[l][c]) / extra;
                    if (gain > bestGain) {
                        bestGain = gain;
                        bestLayer = l;
                        bestTo = c;
                    }
                }
            }
            if (bestLayer < 0) {
                break;
            }
            used += (double) weights[bestLayer] * (bits[bestTo] - bits[choice[bestLayer]]);
            choice[bestLayer] = bestTo;
        }
        int[] out = new int[n];
        for (int l = 0; l < n; l++) {
            out[l] = bits[choice[l]];
        }
        return out;
    }

    /** The weight-weighted average of {@code chosen}. */
    static double average(long[] weights, int[] chosen) {
        double sum = 0;
        long total = 0;
        for (int l = 0; l < weights.length; l++) {
            sum += (double) weights[l] * chosen[l];
            total += weights[l];
        }
        return sum / total;
    }

    /** Parses {@code "3,4,8"} into ascending distinct bits. */
    static int[] parseBits(List<Integer> bits) {
        List<Integer> sorted = new ArrayList<>(new java.util.TreeSet<>(bits));
        if (sorted.isEmpty()) {
            throw new InvalidConfigException("mixed precision needs candidate bits, e.g. 3,4,8");
        }
        return sorted.stream().mapToInt(Integer::intValue).toArray();
    }
}
