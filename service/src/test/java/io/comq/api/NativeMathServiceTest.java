package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path tokens = Files.writeString(dir.resolve("tokens-" + name), ServiceHarness.ALICE + " alice\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-Xmx512m", "-Dcomq.math.drill=factor", "-cp", System.getProperty("java.class.path"),
                "io.comq.cli.Main", "serve", "--port", Integer.toString(port), "--data-dir",
                dir.resolve("data-" + name).toString(), "--token-file", tokens.toString()));
        if (Runtime.version().feature() >= 22) {
            cmd.add(1, "--enable-native-access=ALL-UNNAMED");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        Map<String, String> env = new HashMap<>(pb.environment());
        env.keySet().removeIf(k -> k.startsWith("COMQ_") || k.startsWith("DATASOURCES_"));
        env.put("COMQ_MATH", mathMode);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    }

    private ServiceHarness awaitLive(Process p, String name) throws Exception {
        ServiceHarness svc = new ServiceHarness("http://127.0.0.1:" + port);
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new AssertionError("comq serve exited: " + Files.readString(dir.resolve(name + ".log")));
            }
            try {
                if (svc.get(null, "/health/liveness").status() == 200) {
                    return svc;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("comq serve did not start: " + Files.readString(dir.resolve(name + ".log")));
    }
}
