package io.comq.api;

import io.comq.problem.Problems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.cli.TinyModel;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the real server: each case answers the right 4xx with a problem body naming the problem, and
 * leaves what was stored exactly as it was.
 */
class ServiceBadInputTest {

    private static final long LIMIT = 256 * 1024;

    @TempDir
    static Path dir;
    static ServiceHarness svc;
    static byte[] model;
    static String modelId;
    static String calId;
    private List<String> before;

    @BeforeAll
    static void start() throws Exception {
        model = Files.readAllBytes(TinyModel.write(dir.resolve("tiny.onnx"), TinyModel.model(7)));
        Path calib = TinyModel.calibration(dir.resolve("calib.npz"), 12, 3);
        svc = new ServiceHarness(dir.resolve("data"), Map.of("comq.upload.max-bytes", LIMIT));
        modelId = svc.upload(ServiceHarness.ALICE, "/v1/models?name=tiny.onnx", model).json().get("id").asText();
        calId = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets", calib).json().get("id").asText();
    }

    @AfterAll
    static void stop() {
        svc.close();
    }

    @BeforeEach
    void snapshot() throws Exception {
        before = stored();
    }

    @AfterEach
    void nothingChanged() throws Exception {
        assertEquals(before, stored(), "stored data is intact");
    }

    /** Every stored blob with its size, and every database row count that matters. */
    private static List<String> stored() throws Exception {
        try (Stream<Path> s = Files.walk(dir.resolve("data/blobs"))) {
            List<String> files = new java.util.ArrayList<>(s.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p) + ":" + p.toFile().length()).sorted().toList());
            files.add("jobs:" + svc.get(ServiceHarness.ALICE, "/v1/jobs").json().get("totalItems").asInt());
            return files;
        }
    }

    private static void assertProblem(ServiceHarness.Reply r, int status, String... detailWords) {
        assertEquals(status, r.status(), r.raw().body());
        assertEquals(Problems.MEDIA_TYPE, r.contentType());
        assertEquals(status, r.json().get("status").asInt());
        String detail = r.json().path("detail").asText();
        for (String w : detailWords) {
            assertTrue(detail.contains(w), "'" + detail + "' names " + w);
        }
    }

    @Test
    void truncatedOnnx() throws Exception {
        byte[] cut = Arrays.copyOf(model, model.length / 2);
        assertProblem(svc.upload(ServiceHarness.ALICE, "/v1/models?name=cut.onnx", cut), 400, "truncated");
    }

    @Test
    void notAnNpz() throws Exception {
        assertProblem(svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=c.npz",
                "just some text, not arrays".getBytes()), 400);
    }

    @Test
    void nanCalibrationData() throws Exception {
        NpyArray x = TinyModel.inputs(4, 1);
        ((float[]) x.data())[5] = Float.NaN;
        Path f = dir.resolve("nan.npz");
        Npz.write(f, Map.of("X", x), false);
        assertProblem(svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=nan.npz", f), 422, "X");
    }

    @Test
    void oversizedUpload() throws Exception {
        assertProblem(svc.upload(ServiceHarness.ALICE, "/v1/models?name=big.onnx", new byte[(int) LIMIT + 1]), 413,
                Long.toString(LIMIT));
        // without Content-Length (chunked): refused while streaming, once the limit is passed
        byte[] big = new byte[(int) LIMIT * 4];
        ServiceHarness.Reply chunked = svc.send(java.net.http.HttpRequest.newBuilder(svc.uri("/v1/models?name=big.onnx"))
                .header("Authorization", "Bearer " + ServiceHarness.ALICE)
                .header("Content-Type", "application/octet-stream")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(big))));
        assertProblem(chunked, 413, Long.toString(LIMIT));
        try (Stream<Path> s = Files.list(dir.resolve("data/incoming"))) {
            assertEquals(0, s.filter(p -> !p.getFileName().toString().equals(".tmp")).count(), "nothing staged");
        }
        try (Stream<Path> s = Files.list(dir.resolve("data/incoming/.tmp"))) {
            assertEquals(0, s.count(), "no partial file left");
        }
    }

    @Test
    void emptyUpload() throws Exception {
        assertProblem(svc.upload(ServiceHarness.ALICE, "/v1/models?name=empty.onnx", new byte[0]), 400, "empty");
    }

    @Test
    void pathLikeNames() throws Exception {
        for (String name : List.of("..%2F..%2Fetc%2Fpasswd", "a%2Fb.onnx", "..", "c%5Cwin.onnx")) {
            assertProblem(svc.upload(ServiceHarness.ALICE, "/v1/models?name=" + name, model), 400, "plain file name");
        }
        assertTrue(Files.notExists(dir.resolve("etc")));
    }

    @Test
    void wrongContentType() throws Exception {
        ServiceHarness.Reply r = svc.send(java.net.http.HttpRequest.newBuilder(svc.uri("/v1/models?name=m.onnx"))
                .header("Authorization", "Bearer " + ServiceHarness.ALICE).header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(model)));
        assertProblem(r, 415);
    }

    @Test
    void wrongOrMissingToken() throws Exception {
        assertProblem(svc.upload("wrong-token-0123456789abcdef", "/v1/models?name=m.onnx", model), 401, "not valid");
        assertProblem(svc.upload(null, "/v1/models?name=m.onnx", model), 401, "Bearer");
        assertProblem(svc.get("wrong-token-0123456789abcdef", "/v1/models/" + modelId), 401);
    }

    @Test
    void unknownIds() throws Exception {
        assertProblem(svc.get(ServiceHarness.ALICE, "/v1/models/nope"), 404, "nope");
        assertProblem(svc.get(ServiceHarness.ALICE, "/v1/calibration-sets/" + modelId), 404);
        assertProblem(svc.get(ServiceHarness.ALICE, "/v1/jobs/nope"), 404);
        assertProblem(svc.postJson(ServiceHarness.ALICE, "/v1/jobs/nope/cancel", "{}"), 404);
        assertProblem(svc.delete(ServiceHarness.ALICE, "/v1/jobs/nope"), 404);
        assertProblem(svc.get(ServiceHarness.ALICE, "/v1/nothing-here"), 404);
        assertProblem(svc.postJson(ServiceHarness.ALICE, "/v1/jobs",
                Map.of("modelId", "nope", "calibrationSetId", calId)), 422, "modelId", "nope");
        assertProblem(svc.postJson(ServiceHarness.ALICE, "/v1/jobs",
                Map.of("modelId", calId, "calibrationSetId", calId)), 422, "modelId");
    }

    @Test
    void mismatchedCalibration() throws Exception {
        NpyArray wrong = NpyArray.ofFloats(new int[] {4, 3, 4, 4}, new float[4 * 3 * 4 * 4]);
        Path f = dir.resolve("wrong.npz");
        Npz.write(f, Map.of("X", wrong), false);
        ServiceHarness.Reply up = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=wrong.npz", f);
        assertEquals(201, up.status(), up.raw().body());
        String wrongId = up.json().get("id").asText();
        try {
            assertProblem(svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of("modelId", modelId,
                    "calibrationSetId", wrongId)), 422, "'X'", "axis 2");
            Path g = dir.resolve("renamed.npz");
            Npz.write(g, Map.of("input", TinyModel.inputs(4, 1)), false);
            String renamed = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=r.npz", g).json().get("id")
                    .asText();
            assertProblem(svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of("modelId", modelId,
                    "calibrationSetId", renamed)), 422, "'X'");
            assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/calibration-sets/" + renamed).status());
        } finally {
            assertEquals(204, svc.delete(ServiceHarness.ALICE, "/v1/calibration-sets/" + wrongId).status());
        }
    }

    @Test
    void badSettings() throws Exception {
        Map<String, Object> base = Map.of("modelId", modelId, "calibrationSetId", calId);
        // a contradictory setting is named by the client's own field names, never by the command line's flags
        ServiceHarness.Reply contradiction = job(base, Map.of("method", "rtn", "sweeps", 2));
        assertProblem(contradiction, 422, "sweeps has no effect with method rtn; it applies to method comq");
        assertFalse(contradiction.json().path("detail").asText().contains("--"), contradiction.raw().body());
        ServiceHarness.Reply mixed = job(base, Map.of("avgBits", 4.25, "validationFraction", 0.0));
        assertProblem(mixed, 422, "avgBits", "validationFraction");
        assertFalse(mixed.json().path("detail").asText().contains("--"), mixed.raw().body());
        assertProblem(job(base, Map.of("bits", 0)), 422, "bits");
        assertProblem(job(base, Map.of("method", "magic")), 422, "magic");
        assertProblem(job(base, Map.of("format", "safetensors")), 422, "safetensors");
        assertProblem(job(base, Map.of("layerBits", Map.of("nosuchlayer", 8))), 422, "nosuchlayer");
        assertProblem(job(base, Map.of("excludeOps", List.of("MatMul", "Gemm", "Conv"))), 422,
                "excludeOps excludes every");
        assertProblem(job(base, Map.of("bitz", 4)), 400, "bitz");
        assertProblem(svc.postJson(ServiceHarness.ALICE, "/v1/jobs", "{not json"), 400);
        assertProblem(svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of("modelId", modelId,
                "calibrationSetId", calId, "webhookUrl", "file:///etc/passwd")), 422, "webhookUrl");
        assertProblem(svc.get(ServiceHarness.ALICE, "/v1/jobs?state=done"), 422, "done");
        assertProblem(svc.get(ServiceHarness.ALICE, "/v1/jobs?size=1000"), 422, "size");
    }

    private static ServiceHarness.Reply job(Map<String, Object> base, Map<String, Object> settings) throws Exception {
        Map<String, Object> body = new java.util.HashMap<>(base);
        body.put("settings", settings);
        return svc.postJson(ServiceHarness.ALICE, "/v1/jobs", body);
    }

    @Test
    void otherTenantCannotDelete() throws Exception {
        assertProblem(svc.delete(ServiceHarness.BOB, "/v1/models/" + modelId), 404);
        assertProblem(svc.delete(ServiceHarness.BOB, "/v1/calibration-sets/" + calId), 404);
        JsonNode still = svc.get(ServiceHarness.ALICE, "/v1/models/" + modelId).json();
        assertEquals(modelId, still.get("id").asText());
    }
}
