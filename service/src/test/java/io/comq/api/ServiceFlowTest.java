package io.comq.api;

import io.comq.problem.Problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.cli.TinyModel;
import io.comq.format.safetensors.SafetensorsWriter;
import io.comq.format.safetensors.Tensor;
import java.util.LinkedHashMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole flow through the real server: upload a model and a calibration set, run a job, read its results. */
class ServiceFlowTest {

    @TempDir
    static Path dir;
    static ServiceHarness svc;
    static Path model;
    static Path calib;

    @BeforeAll
    static void start() throws Exception {
        model = TinyModel.write(dir.resolve("tiny.onnx"), TinyModel.model(7));
        calib = TinyModel.calibration(dir.resolve("calib.npz"), 20, 3);
        svc = new ServiceHarness(dir.resolve("data"), Map.of());
    }

    @AfterAll
    static void stop() {
        svc.close();
    }

    @Test
    void uploadQuantizePollAndReadArtifacts() throws Exception {
        ServiceHarness.Reply m = svc.upload(ServiceHarness.ALICE, "/v1/models?name=tiny.onnx", model);
        assertEquals(201, m.status(), m.raw().body());
        String modelId = m.json().get("id").asText();
        assertEquals("/v1/models/" + modelId, m.header("Location"));
        assertEquals("onnx", m.json().get("format").asText());
        assertEquals(Files.size(model), m.json().get("size").asLong());
        assertEquals(sha256(Files.readAllBytes(model)), m.json().get("sha256").asText());
        List<String> layers = m.json().get("layers").findValuesAsText("id");
        assertEquals(List.of("conv", "fc1", "fc2"), layers);
        JsonNode input = m.json().get("inputs").get(0);
        assertEquals("X", input.get("name").asText());
        assertEquals("float32", input.get("dtype").asText());
        assertEquals("[-1,3,8,8]", input.get("shape").toString());

        ServiceHarness.Reply again = svc.upload(ServiceHarness.ALICE, "/v1/models?name=copy.onnx", model);
        assertEquals(200, again.status(), "the same bytes again are deduplicated");
        assertEquals(modelId, again.json().get("id").asText());
        assertEquals(m.json(), svc.get(ServiceHarness.ALICE, "/v1/models/" + modelId).json());

        ServiceHarness.Reply c = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=calib.npz", calib);
        assertEquals(201, c.status(), c.raw().body());
        String calId = c.json().get("id").asText();
        assertEquals(20, c.json().get("samples").asInt());
        assertEquals("npz", c.json().get("format").asText());
        assertEquals("[20,3,8,8]", c.json().get("arrays").get(0).get("shape").toString());
        assertEquals("float32", c.json().get("arrays").get(0).get("dtype").asText());

        Map<String, Object> body = Map.of("modelId", modelId, "calibrationSetId", calId,
                "settings", Map.of("bits", 4, "method", "comq", "sweeps", 2));
        ServiceHarness.Reply j = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", body, "Idempotency-Key", "flow-1");
        assertEquals(202, j.status(), j.raw().body());
        String jobId = j.json().get("id").asText();
        assertEquals("/v1/jobs/" + jobId, j.header("Location"));
        assertEquals("sym-maxabs", j.json().get("settings").get("grid").asText(), "defaults are filled in");
        ServiceHarness.Reply retry = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", body, "Idempotency-Key", "flow-1");
        assertEquals(202, retry.status());
        assertEquals(jobId, retry.json().get("id").asText(), "a retry with the same key is the same job");

        JsonNode done = svc.awaitEnd(ServiceHarness.ALICE, jobId, Duration.ofSeconds(120));
        assertEquals("succeeded", done.get("state").asText(), done.toString());
        assertEquals(3, done.get("progress").get("layersDone").asInt());
        assertEquals(3, done.get("progress").get("layersTotal").asInt());
        assertEquals(3, done.get("progress").get("layers").size());
        assertTrue(done.get("backend").asText().startsWith("cpu"), done.toString());
        assertEquals(1, done.get("attempts").asInt());
        JsonNode artifacts = done.get("artifacts");
        List<String> names = artifacts.findValuesAsText("name");
        assertTrue(names.containsAll(List.of("model.onnx", "report.json", "report.html")), names.toString());
        Path blobs = dir.resolve("data/blobs/jobs/" + jobId + "/artifacts");
        for (JsonNode a : artifacts) {
            byte[] bytes = Files.readAllBytes(blobs.resolve(a.get("name").asText()));
            assertEquals(sha256(bytes), a.get("sha256").asText());
            assertEquals(bytes.length, a.get("size").asLong());
        }
        assertEquals(done.get("id"), svc.get(ServiceHarness.ALICE, "/v1/jobs?state=succeeded").json()
                .get("items").get(0).get("id"));
        assertEquals(0, svc.get(ServiceHarness.ALICE, "/v1/jobs?state=queued").json().get("totalItems").asInt());
        assertTrue(Files.notExists(dir.resolve("data/work/" + jobId)), "the scratch folder is gone");

        // another tenant sees none of it
        assertEquals(404, svc.get(ServiceHarness.BOB, "/v1/jobs/" + jobId).status());
        assertEquals(404, svc.get(ServiceHarness.BOB, "/v1/models/" + modelId).status());
        assertEquals(404, svc.get(ServiceHarness.BOB, "/v1/calibration-sets/" + calId).status());
        assertEquals(0, svc.get(ServiceHarness.BOB, "/v1/jobs").json().get("totalItems").asInt());
        ServiceHarness.Reply bobJob = svc.postJson(ServiceHarness.BOB, "/v1/jobs", Map.of("modelId", modelId,
                "calibrationSetId", calId));
        assertEquals(422, bobJob.status(), "bob cannot use alice's model");

        // deleting the job removes its artifacts; the model and calibration set can go too
        assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/jobs/" + jobId).status());
        assertEquals(404, svc.get(ServiceHarness.ALICE, "/v1/jobs/" + jobId).status());
        assertTrue(Files.notExists(blobs), "no orphan artifacts");
        assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/calibration-sets/" + calId).status());
        assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/models/" + modelId).status());
        try (Stream<Path> s = Files.walk(dir.resolve("data/blobs"))) {
            assertFalse(s.anyMatch(Files::isRegularFile), "no orphan blobs");
        }
    }

    @Test
    void safetensorsUploadsAndDedupPerTenant() throws Exception {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model.layers.0.mlp.up_proj.weight", Tensor.f32(new int[] {32, 16}, new float[32 * 16]));
        t.put("model.layers.0.input_layernorm.weight", Tensor.f32(new int[] {16}, new float[16]));
        Path ck = dir.resolve("ck.safetensors");
        SafetensorsWriter.write(ck, t, Map.of());
        ServiceHarness.Reply m = svc.upload(ServiceHarness.BOB, "/v1/models?name=ck.safetensors", ck);
        assertEquals(201, m.status(), m.raw().body());
        assertEquals("safetensors", m.json().get("format").asText());
        JsonNode layer = m.json().get("layers").get(0);
        assertEquals("model.layers.0.mlp.up_proj", layer.get("id").asText());
        assertEquals("Linear", layer.get("op").asText());
        assertEquals("[32,16]", layer.get("weightShape").toString());
        assertEquals(1, m.json().get("layers").size(), "the norm is not a layer");

        Map<String, Tensor> x = new LinkedHashMap<>();
        x.put("X", Tensor.f32(new int[] {4, 3, 8, 8}, (float[]) TinyModel.inputs(4, 9).data()));
        Path xs = dir.resolve("x.safetensors");
        SafetensorsWriter.write(xs, x, Map.of());
        ServiceHarness.Reply c = svc.upload(ServiceHarness.BOB, "/v1/calibration-sets?name=x.safetensors", xs);
        assertEquals(201, c.status(), c.raw().body());
        assertEquals("safetensors", c.json().get("format").asText());
        assertEquals(4, c.json().get("samples").asInt());
        ServiceHarness.Reply job = svc.postJson(ServiceHarness.BOB, "/v1/jobs", Map.of("modelId",
                m.json().get("id").asText(), "calibrationSetId", c.json().get("id").asText()));
        assertEquals(422, job.status(), job.raw().body());
        assertTrue(job.json().get("detail").asText().contains("checkpoint"), job.raw().body());

        // the same bytes from two tenants are two models, one per tenant
        byte[] other = TinyModel.model(8).toByteArray();
        String bobs = svc.upload(ServiceHarness.BOB, "/v1/models?name=t.onnx", other).json().get("id").asText();
        ServiceHarness.Reply alices = svc.upload(ServiceHarness.ALICE, "/v1/models?name=t.onnx", other);
        assertEquals(201, alices.status());
        assertTrue(!bobs.equals(alices.json().get("id").asText()), "not shared across tenants");
        assertEquals(204, svc.delete(ServiceHarness.BOB, "/v1/models/" + bobs).status());
        assertEquals(200, svc.get(ServiceHarness.ALICE, "/v1/models/" + alices.json().get("id").asText()).status(),
                "bob deleting his copy leaves alice's");
        assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/models/" + alices.json().get("id").asText()).status());
        assertEquals(204, svc.delete(ServiceHarness.BOB, "/v1/models/" + m.json().get("id").asText()).status());
        assertEquals(204, svc.delete(ServiceHarness.BOB, "/v1/calibration-sets/" + c.json().get("id").asText())
                .status());
    }

    @Test
    void healthIsOpenAndTheApiIsNot() throws Exception {
        assertEquals(200, svc.get(null, "/health").status());
        assertEquals(200, svc.get(null, "/health/liveness").status());
        assertEquals(200, svc.get(null, "/health/readiness").status());
        ServiceHarness.Reply none = svc.get(null, "/v1/jobs");
        assertEquals(401, none.status());
        assertEquals(Problems.MEDIA_TYPE, none.contentType());
        assertNotNull(none.json().get("detail"));
        assertEquals(401, svc.get("not-a-token-at-all-000000", "/v1/jobs").status());
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
