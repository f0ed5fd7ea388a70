package io.comq.pipeline;

import io.comq.error.InvalidConfigException;
import io.comq.format.onnx.OnnxLayer;
import io.comq.option.Setting;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Splits a model's layers into {@code n} shards of about equal work, deterministically: every process that sees the
 * same layers computes the same split, so shards run as independent processes (a Kubernetes Indexed Job) without
 * talking to each other.
 *
 * <p>A layer's cost is its sweep work {@code groups * in^2 * out}. Layers are assigned by longest-processing-time
 * greedy: in order of decreasing cost (ties by layer id), each goes to the shard with the least cost so far (ties to the
 * lowest index).
 */
public final class Sharding {
    private Sharding() {
    }

    /**
     * One shard of a sharded run.
     *
     * @param index this shard, {@code 0 <= index < count}
     * @param count the number of shards
     */
    public record Shard(int index, int count) {
        public Shard {
            if (count < 1) {
                throw new InvalidConfigException("the number of shards must be at least 1, got " + count);
            }
            if (index < 0 || index >= count) {
                throw new InvalidConfigException("shard index " + index + " is outside 0.." + (count - 1)
                        + " (shards are numbered from 0, as JOB_COMPLETION_INDEX is)");
            }
        }

        /**
         * Parses {@code i/n}, e.g. {@code 0/3}.
         *
         * @throws InvalidConfigException naming the expected form
         */
        public static Shard parse(String s) {
            String[] parts = s == null ? new String[0] : s.trim().split("/", -1);
            if (parts.length != 2) {
                throw new InvalidConfigException(Setting.SHARD.ref() + " '" + s
                        + "' is not of the form i/n (e.g. 0/3)");
            }
            try {
                return new Shard(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new InvalidConfigException(Setting.SHARD.ref() + " '" + s
                        + "' is not of the form i/n with whole numbers "
                        + "(e.g. 0/3)");
            }
        }

        @Override
        public String toString() {
            return index + "/" + count;
        }
    }

    /** The sweep work of a layer: {@code groups * in^2 * out} multiply-adds per sweep. */
    public static long cost(OnnxLayer l) {
        return (long) l.groups() * l.in() * l.in() * l.out();
    }

    /**
     * The ids of the layers that {@code shard} quantizes, in the model's layer order.
     *
     * @param layers every layer of the run, in model order
     */
    public static Set<String> layersOf(List<OnnxLayer> layers, Shard shard) {
        List<String> ids = new ArrayList<>();
        List<Long> costs = new ArrayList<>();
        for (OnnxLayer l : layers) {
            ids.add(l.id());
            costs.add(cost(l));
        }
        int[] owner = assign(ids, costs, shard.count());
        Set<String> mine = new LinkedHashSet<>();
        for (int k = 0; k < ids.size(); k++) {
            if (owner[k] == shard.index()) {
                mine.add(ids.get(k));
            }
        }
        return mine;
    }

    /**
     * Longest-processing-time assignment of items to {@code n} bins.
     *
     * @return for each item (by position) the bin it goes to
     */
    static int[] assign(List<String> ids, List<Long> costs, int n) {
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < ids.size(); k++) {
            order.add(k);
        }
        order.sort(Comparator.<Integer>comparingLong(costs::get).reversed().thenComparing(ids::get));
        long[] load = new long[n];
        int[] owner = new int[ids.size()];
        for (int k : order) {
            int best = 0;
            for (int b = 1; b < n; b++) {
                if (load[b] < load[best]) {
                    best = b;
                }
            }
            owner[k] = best;
            load[best] += costs.get(k);
        }
        return owner;
    }
}
