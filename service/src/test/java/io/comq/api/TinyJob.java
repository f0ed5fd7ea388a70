package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.cli.TinyModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Uploads the tiny test model and a calibration set and submits a COMQ job on them. */
final class TinyJob {
    private TinyJob() {
    }

    /** Submits a job for {@code token} and returns its id (it may still run). */
    static String submit(ServiceHarness svc, String token, Path dir, int sweeps) throws Exception {
        return submit(svc, token, dir, sweeps, null);
    }

    /** Submits a job with a webhook URL (or null) and returns its id. */
    static String submit(ServiceHarness svc, String token, Path dir, int sweeps, String webhookUrl) throws Exception {
        Path model = TinyModel.write(dir.resolve("tiny.onnx"), TinyModel.model(7));
        Path calib = TinyModel.calibration(dir.resolve("calib.npz"), 20, 3);
        ServiceHarness.Reply m = svc.upload(token, "/v1/models?name=tiny.onnx", model);
        ServiceHarness.Reply c = svc.upload(token, "/v1/calibration-sets?name=calib.npz", calib);
        Map<String, Object> body = new HashMap<>(Map.of("modelId", m.json().get("id").asText(),
                "calibrationSetId", c.json().get("id").asText(),
                "settings", Map.of("bits", 4, "method", "comq", "sweeps", sweeps)));
        if (webhookUrl != null) {
            body.put("webhookUrl", webhookUrl);
        }
        ServiceHarness.Reply j = svc.postJson(token, "/v1/jobs", body);
        assertEquals(202, j.status(), j.raw().body());
        return j.json().get("id").asText();
    }

    /** Submits a job and waits until it has succeeded. */
    static String succeeded(ServiceHarness svc, String token, Path dir) throws Exception {
        String id = submit(svc, token, dir, 2);
        JsonNode done = svc.awaitEnd(token, id, Duration.ofSeconds(120));
        assertEquals("succeeded", done.get("state").asText(), done.toString());
        return id;
    }
}
