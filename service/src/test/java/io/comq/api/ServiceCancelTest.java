package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.cli.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancelling a queued and a running job, and what cannot be deleted while a job needs it. */
class ServiceCancelTest {

    @TempDir
    Path dir;

    @Test
    void cancelQueuedAndRunningJobs() throws Exception {
        Path model = TinyModel.write(dir.resolve("mlp.onnx"), TinyModel.mlp(3, 192, 8));
        Path calib = TinyModel.mlpCalibration(dir.resolve("mlp.npz"), 256, 192, 4);
        try (ServiceHarness svc = new ServiceHarness(dir.resolve("data"), Map.of())) {
            String modelId = svc.upload(ServiceHarness.ALICE, "/v1/models?name=mlp.onnx", model).json().get("id")
                    .asText();
            String calId = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets", calib).json().get("id").asText();
            Map<String, Object> slow = Map.of("modelId", modelId, "calibrationSetId", calId, "settings",
                    Map.of("precision", "float64", "order", "cyclic", "threads", 1));
            String running = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", slow).json().get("id").asText();
            String queued = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", slow).json().get("id").asText();

            JsonNode q = svc.postJson(ServiceHarness.ALICE, "/v1/jobs/" + queued + "/cancel", "").json();
            assertEquals("cancelled", q.get("state").asText(), "one worker: the second job was still queued");

            long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            JsonNode r;
            do {
                r = svc.get(ServiceHarness.ALICE, "/v1/jobs/" + running).json();
                Thread.sleep(50);
            } while (r.get("progress").get("layersDone").asInt() < 1 && System.nanoTime() < end);
            assertEquals("running", r.get("state").asText(), r.toString());

            ServiceHarness.Reply busy = svc.delete(ServiceHarness.ALICE, "/v1/jobs/" + running);
            assertEquals(409, busy.status(), "a running job is not deleted");
            assertEquals(409, svc.delete(ServiceHarness.ALICE, "/v1/models/" + modelId).status(),
                    "nor the model it needs");

            ServiceHarness.Reply c = svc.postJson(ServiceHarness.ALICE, "/v1/jobs/" + running + "/cancel", "");
            assertEquals(202, c.status(), "a running job stops at its next step");
            JsonNode end2 = svc.awaitEnd(ServiceHarness.ALICE, running, Duration.ofMinutes(1));
            assertEquals("cancelled", end2.get("state").asText());
            assertTrue(end2.get("progress").get("layersDone").asInt() < 8, end2.toString());
            assertTrue(end2.path("artifacts").isMissingNode(), "no artifacts");
            assertTrue(Files.notExists(dir.resolve("data/blobs/jobs/" + running)));
            assertTrue(Files.notExists(dir.resolve("data/work/" + running)), "the scratch folder is gone");

            assertEquals(200, svc.postJson(ServiceHarness.ALICE, "/v1/jobs/" + running + "/cancel", "").status(),
                    "cancelling an ended job changes nothing");
            assertEquals(2, svc.get(ServiceHarness.ALICE, "/v1/jobs?state=cancelled").json().get("totalItems")
                    .asInt());
            assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/jobs/" + running).status());
            assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/jobs/" + queued).status());
            assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/models/" + modelId).status());
        }
    }
}
