package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The pool's teams: shares that run at once, meet at a barrier, sum what they post, and fail together. */
class ChannelPoolTest {

    @Test
    void aTeamMeetsAtEachBarrierAndSumsWhatItsSharesPost() {
        int rounds = 5000;
        try (ChannelPool pool = new ChannelPool(3, "test")) {
            int[] shareOf = new int[30];
            long[][] sums = new long[3][rounds];
            AtomicIntegerArray done = new AtomicIntegerArray(rounds);
            AtomicIntegerArray met = new AtomicIntegerArray(rounds);
            pool.forTeam(30, 4, (team, w, from, to) -> {
                assertEquals(3, team.parts());
                for (int j = from; j < to; j++) {
                    shareOf[j] = w;
                }
                for (int k = 0; k < rounds; k++) {
                    // sums back to back: a share that posts for round k + 1 must not change round k's sum
                    done.incrementAndGet(k);
                    sums[w][k] = team.sum(w, (long) (w + 1) * (k + 1));
                    assertEquals(3, done.get(k), "round " + k + " finished by every share");
                }
                for (int k = 0; k < rounds; k++) {
                    met.incrementAndGet(k);
                    team.await();
                    assertEquals(3, met.get(k), "every share at barrier " + k);
                }
            });
            assertEquals(0, shareOf[0]);
            assertEquals(1, shareOf[12]);
            assertEquals(2, shareOf[29]);
            for (int k = 0; k < rounds; k++) {
                for (int w = 0; w < 3; w++) {
                    assertEquals(6L * (k + 1), sums[w][k], "sum of round " + k + " seen by share " + w);
                }
            }
        }
    }

    @Test
    void teamsOfConcurrentCallsDoNotWaitForEachOther() {
        // two callers, three threads: if both teams held a pool thread at a barrier, each would wait for its share
        // queued behind the other's
        try (ChannelPool pool = new ChannelPool(3, "test")) {
            Runnable calls = () -> {
                for (int k = 0; k < 300; k++) {
                    pool.forTeam(3, 1, (team, w, from, to) -> {
                        team.await();
                        team.await();
                    });
                }
            };
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                Thread other = new Thread(calls);
                other.start();
                calls.run();
                other.join();
            });
        }
    }

    @Test
    void aFailingShareEndsTheOthersWaitsAndItsErrorIsReported() {
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        try (ChannelPool pool = new ChannelPool(3, "test")) {
            for (int failing = 0; failing < 3; failing++) {
                int f = failing;
                RuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                        () -> assertThrows(RuntimeException.class, () -> pool.forTeam(3, 1, (team, w, from, to) -> {
                            team.await();
                            if (w == f) {
                                throw boom;
                            }
                            team.await();
                            team.await();
                        })));
                assertSame(boom, e, "the failure itself, not a waiting share's, when share " + f + " fails");
            }
            // the pool still works afterwards
            long[] sum = new long[1];
            pool.forTeam(3, 1, (team, w, from, to) -> {
                long s = team.sum(w, 1);
                if (w == 0) {
                    sum[0] = s;
                }
            });
            assertEquals(3, sum[0]);
        }
    }
}
