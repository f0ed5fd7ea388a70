package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica whose native math fails its self-test, under {@code COMQ_MATH=native} (no fallback allowed), is alive but
 * not ready, and refuses new jobs with 503 naming the machine; with the default mode the same defect falls back to
 * plain Java and the replica is ready. {@code comq serve} runs as its own process with the {@code factor} drill, a
 * deliberately broken OpenBLAS factorization.
 */
@Tag("slow")
class NativeMathServiceTest {

    @TempDir
    Path dir;

    @Test
    void aReplicaWhoseRequiredNativeMathFailsIsNotReadyAndRefusesJobs() throws Exception {
        Process p = start("native", "refused");
        try {
            ServiceHarness svc = awaitLive(p, "refused");
            assertEquals(503, svc.get(null, "/health/readiness").status());
            assertEquals(200, svc.get(null, "/health/liveness").status());
            ServiceHarness.Reply r = svc.postJson(ServiceHarness.ALICE, "/v1/jobs",
                    Map.of("modelId", "m", "calibrationSetId", "c"));
            assertEquals(503, r.status(), r.raw().body());
            assertTrue(r.raw().body().contains("OpenBLAS failed its self-test"), r.raw().body());
            assertTrue(r.raw().body().contains("core "), r.raw().body());
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    @Test
    void theSameDefectFallsBackToPlainJavaByDefaultAndTheReplicaIsReady() throws Exception {
        Process p = start("auto", "fallback");
        try {
            ServiceHarness svc = awaitLive(p, "fallback");
            assertEquals(200, svc.get(null, "/health/readiness").status());
        } finally {
            p.destroy();
            p.waitFor();
        }
    }

    private int port;

    private Process start(String mathMode, String name) throws IOException {
        port = ServeProcess.freePort();
        Path tokens = Files.writeString(dir.resolve("tokens-" + name), ServiceHarness.ALICE + " alice\n");
        return ServeProcess.start(dir.resolve(name + ".log"), port, dir.resolve("data-" + name), tokens,
                List.of("-Dcomq.math.drill=factor"), Map.of("COMQ_MATH", mathMode));
    }

    private ServiceHarness awaitLive(Process p, String name) throws Exception {
        return ServeProcess.await(p, dir.resolve(name + ".log"), port, "/health/liveness");
    }
}
