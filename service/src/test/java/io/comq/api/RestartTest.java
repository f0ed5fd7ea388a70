package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.cli.TinyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job survives a crash: {@code comq serve} runs as its own process, is killed (SIGKILL) while a job is half-way
 * through its layers, and started again over the same data folder; the job resumes from the layers its checkpoint
 * holds (they are not quantized again: their records keep the first run's times) and its model is byte for byte the
 * model of an uninterrupted run of the same job. The same after a graceful stop (SIGTERM).
 */
@Tag("slow")
class RestartTest {

    private static final int WIDTH = 256;
    private static final int DEPTH = 10;

    @TempDir
    Path dir;

    @Test
    void jobKilledMidwayFinishesAfterRestartWithTheSameBytes() throws Exception {
        Path model = TinyModel.write(dir.resolve("mlp.onnx"), TinyModel.mlp(11, WIDTH, DEPTH));
        Path calib = TinyModel.mlpCalibration(dir.resolve("mlp.npz"), 512, WIDTH, 5);
        Path tokens = Files.writeString(dir.resolve("tokens"), ServiceHarness.ALICE + " alice\n");
        Path data = dir.resolve("data");
        // float64 runs the scalar reference kernel: slow enough to be caught mid-job, deterministic
        Map<String, Object> settings = Map.of("method", "comq", "order", "cyclic", "sweeps", 3,
                "precision", "float64", "threads", 1);

        String jobId;
        JsonNode mid;
        Process first = start(data, tokens, "first");
        try {
            ServiceHarness svc = await(first, "first");
            String modelId = svc.upload(ServiceHarness.ALICE, "/v1/models?name=mlp.onnx", model).json().get("id")
                    .asText();
            String calId = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=mlp.npz", calib).json()
                    .get("id").asText();
            ServiceHarness.Reply r = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of("modelId", modelId,
                    "calibrationSetId", calId, "settings", settings));
            assertEquals(202, r.status(), r.raw().body());
            jobId = r.json().get("id").asText();
            mid = awaitLayers(svc, jobId, 2);
            assertEquals("running", mid.get("state").asText(), mid.toString());
            assertTrue(mid.get("progress").get("layersDone").asInt() < DEPTH, "killed before the end: " + mid);
        } catch (IOException | AssertionError e) {
            throw new AssertionError("first run (alive " + first.isAlive() + (first.isAlive() ? "" : ", exit "
                    + first.waitFor()) + "): " + e + "\n"
                    + Files.readString(dir.resolve("first.log")), e);
        } finally {
            first.destroyForcibly().waitFor();
        }
        assertTrue(Files.notExists(data.resolve("blobs/jobs/" + jobId)), "no artifact of the killed run is visible");

        java.time.Instant restartedAt = java.time.Instant.now();
        Process second = start(data, tokens, "second");
        try {
            ServiceHarness svc = await(second, "second");
            JsonNode resumed = svc.awaitEnd(ServiceHarness.ALICE, jobId, Duration.ofMinutes(5));
            assertEquals("succeeded", resumed.get("state").asText(), resumed.toString());
            assertEquals(2, resumed.get("attempts").asInt(), "it ran a second time");
            assertEquals(DEPTH, resumed.get("progress").get("layersDone").asInt());
            assertResumed(mid, restartedAt, resumed, Files.readString(dir.resolve("second.log")));
            assertTrue(Files.notExists(data.resolve("work/checkpoints/" + jobId)), "checkpoint removed at the end");

            // the same job once more, uninterrupted
            ServiceHarness.Reply again = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of(
                    "modelId", resumed.get("modelId").asText(), "calibrationSetId",
                    resumed.get("calibrationSetId").asText(), "settings", settings));
            JsonNode clean = svc.awaitEnd(ServiceHarness.ALICE, again.json().get("id").asText(),
                    Duration.ofMinutes(5));
            assertEquals("succeeded", clean.get("state").asText(), clean.toString());
            assertEquals(1, clean.get("attempts").asInt());
            assertEquals(sha(resumed, "model.onnx"), sha(clean, "model.onnx"), "same model bytes");
            byte[] a = Files.readAllBytes(data.resolve("blobs/jobs/" + jobId + "/artifacts/model.onnx"));
            byte[] b = Files.readAllBytes(data.resolve("blobs/jobs/" + clean.get("id").asText()
                    + "/artifacts/model.onnx"));
            assertTrue(java.util.Arrays.equals(a, b));

            // graceful: SIGTERM mid-job puts the job back in the queue; the next start finishes it
            ServiceHarness.Reply third = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of(
                    "modelId", resumed.get("modelId").asText(), "calibrationSetId",
                    resumed.get("calibrationSetId").asText(), "settings", settings));
            termJobId = third.json().get("id").asText();
            termMid = awaitLayers(svc, termJobId, 2);
            assertEquals("running", termMid.get("state").asText(), termMid.toString());
            cleanSha = sha(clean, "model.onnx");
        } finally {
            second.destroy(); // SIGTERM
            assertTrue(second.waitFor(90, java.util.concurrent.TimeUnit.SECONDS), "comq serve stops on SIGTERM");
        }
        assertTrue(Files.readString(dir.resolve("second.log")).contains("job queued again"),
                Files.readString(dir.resolve("second.log")));

        java.time.Instant termAt = java.time.Instant.now();
        Process third = start(data, tokens, "third");
        try {
            ServiceHarness svc = await(third, "third");
            JsonNode after = svc.awaitEnd(ServiceHarness.ALICE, termJobId, Duration.ofMinutes(5));
            assertEquals("succeeded", after.get("state").asText(), after.toString());
            assertEquals(2, after.get("attempts").asInt());
            assertEquals(cleanSha, sha(after, "model.onnx"), "same model bytes");
            assertResumed(termMid, termAt, after, Files.readString(dir.resolve("third.log")));
            assertTrue(Files.notExists(data.resolve("work/checkpoints/" + termJobId)), "checkpoint removed");
        } finally {
            third.destroy();
            third.waitFor();
        }
    }

    private String termJobId;
    private JsonNode termMid;

    /**
     * The resumed job took the layers finished before the stop from its checkpoint: every layer seen done then is
     * still recorded with a finish time of the first run, the service says how many it reused, and only the rest were
     * computed after the restart.
     */
    private static void assertResumed(JsonNode before, java.time.Instant restartedAt, JsonNode after, String log) {
        Map<String, String> earlier = new HashMap<>();
        for (JsonNode l : before.get("progress").get("layers")) {
            earlier.put(l.get("name").asText(), l.get("finishedAt").asText());
        }
        assertTrue(earlier.size() >= 2, before.toString());
        JsonNode layers = after.get("progress").get("layers");
        assertEquals(DEPTH, layers.size(), after.toString());
        int old = 0;
        for (JsonNode l : layers) {
            String name = l.get("name").asText();
            java.time.Instant at = java.time.Instant.parse(l.get("finishedAt").asText());
            if (earlier.containsKey(name)) {
                assertTrue(at.isBefore(restartedAt), "layer " + name + " done before the restart (at "
                        + earlier.get(name) + ") was done again at " + at + "; log:\n" + log);
            }
            if (at.isBefore(restartedAt)) {
                old++;
            }
        }
        assertTrue(old >= earlier.size() && old < DEPTH, old + " layers from before the restart: " + after);
        assertTrue(log.contains("resuming: " + old + " of " + DEPTH + " layers taken from its checkpoint"), log);
    }
    private String cleanSha;

    private static String sha(JsonNode job, String artifact) {
        for (JsonNode a : job.get("artifacts")) {
            if (a.get("name").asText().equals(artifact)) {
                return a.get("sha256").asText();
            }
        }
        throw new AssertionError("no " + artifact + " in " + job);
    }

    private int port;

    private Process start(Path data, Path tokens, String name) throws IOException {
        port = ServeProcess.freePort();
        return ServeProcess.start(dir.resolve(name + ".log"), port, data, tokens, List.of(), Map.of());
    }

    private ServiceHarness await(Process p, String name) throws Exception {
        return ServeProcess.await(p, dir.resolve(name + ".log"), port, "/health/readiness");
    }

    private static JsonNode awaitLayers(ServiceHarness svc, String jobId, int layers) throws Exception {
        long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        JsonNode j = null;
        while (System.nanoTime() < end) {
            j = svc.get(ServiceHarness.ALICE, "/v1/jobs/" + jobId).json();
            if (j.get("progress").get("layersDone").asInt() >= layers || j.get("state").asText().equals("failed")) {
                return j;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job " + jobId + " did not reach " + layers + " layers: " + j);
    }
}
