package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShardingTest {

    @Test
    void longestFirstGreedyBalancesAndTiesGoByName() {
        List<String> ids = List.of("e", "d", "c", "b", "a", "f");
        List<Long> costs = List.of(3L, 4L, 5L, 6L, 7L, 3L);
        int[] owner = Sharding.assign(ids, costs, 2);
        // by cost: a7 -> 0; b6 -> 1; c5 -> 1 (6 < 7, now 11); d4 -> 0 (11); e3 before f3 by name -> 0 (tie 11/11 goes
        // to the lowest index, 14); f3 -> 1 (14)
        assertArrayEquals(new int[] {0, 0, 1, 1, 0, 1}, owner);
        long[] load = new long[2];
        for (int k = 0; k < owner.length; k++) {
            load[owner[k]] += costs.get(k);
        }
        assertArrayEquals(new long[] {14, 14}, load);
    }

    @Test
    void theSplitDoesNotDependOnTheOrderTheLayersAreListedIn() {
        Random rnd = new Random(3);
        List<String> ids = new ArrayList<>();
        List<Long> costs = new ArrayList<>();
        for (int k = 0; k < 50; k++) {
            ids.add("layer" + k);
            costs.add((long) (1 + rnd.nextInt(5)) * 1000);
        }
        int[] owner = Sharding.assign(ids, costs, 4);
        List<Integer> perm = new ArrayList<>();
        for (int k = 0; k < 50; k++) {
            perm.add(k);
        }
        Collections.shuffle(perm, rnd);
        List<String> ids2 = new ArrayList<>();
        List<Long> costs2 = new ArrayList<>();
        for (int k : perm) {
            ids2.add(ids.get(k));
            costs2.add(costs.get(k));
        }
        int[] owner2 = Sharding.assign(ids2, costs2, 4);
        long[] load = new long[4];
        for (int k = 0; k < 50; k++) {
            assertEquals(owner[perm.get(k)], owner2[k], ids2.get(k));
            load[owner[k]] += costs.get(k);
        }
        long max = Math.max(Math.max(load[0], load[1]), Math.max(load[2], load[3]));
        long min = Math.min(Math.min(load[0], load[1]), Math.min(load[2], load[3]));
        assertTrue(max - min <= 5000, () -> java.util.Arrays.toString(load));
    }

    @Test
    void shardsParseAsIndexOverCount() {
        assertEquals(new Sharding.Shard(2, 5), Sharding.Shard.parse("2/5"));
        assertEquals("2/5", Sharding.Shard.parse(" 2 / 5 ").toString());
        assertTrue(assertThrows(InvalidConfigException.class, () -> Sharding.Shard.parse("5/5")).getMessage()
                .contains("outside 0..4"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> Sharding.Shard.parse("1")).getMessage()
                .contains("of the form i/n"));
        assertTrue(assertThrows(InvalidConfigException.class, () -> Sharding.Shard.parse("a/b")).getMessage()
                .contains("whole numbers"));
        assertThrows(InvalidConfigException.class, () -> Sharding.Shard.parse("0/0"));
    }
}
