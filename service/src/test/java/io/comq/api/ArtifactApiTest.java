package io.comq.api;

import io.comq.problem.Problems;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Artifact listing, downloads with checksums and ranges, and the report, through the real server. */
class ArtifactApiTest {

    @TempDir
    static Path dir;
    static ServiceHarness svc;
    static String jobId;

    @BeforeAll
    static void start() throws Exception {
        svc = new ServiceHarness(dir.resolve("data"), Map.of());
        jobId = TinyJob.succeeded(svc, ServiceHarness.ALICE, dir);
    }

    @AfterAll
    static void stop() {
        svc.close();
    }

    static HttpResponse<byte[]> fetch(String token, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(svc.uri(path)).timeout(Duration.ofSeconds(60)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int k = 0; k < headers.length; k += 2) {
            b.header(headers[k], headers[k + 1]);
        }
        return svc.http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void listThenDownloadEachWithItsChecksum() throws Exception {
        JsonNode list = svc.get(ServiceHarness.ALICE, "/v1/jobs/" + jobId + "/artifacts").json();
        assertEquals(jobId, list.get("jobId").asText());
        assertEquals("succeeded", list.get("state").asText());
        List<String> names = list.get("items").findValuesAsText("name");
        assertTrue(names.containsAll(List.of("model.onnx", "report.json", "report.html")), names.toString());
        for (JsonNode a : list.get("items")) {
            HttpResponse<byte[]> r = fetch(ServiceHarness.ALICE, a.get("href").asText());
            assertEquals(200, r.statusCode());
            assertEquals(a.get("size").asLong(), r.body().length);
            assertEquals(String.valueOf(r.body().length), header(r, "Content-Length"));
            assertEquals(a.get("sha256").asText(), sha256(r.body()));
            assertEquals(a.get("sha256").asText(), header(r, ArtifactController.CHECKSUM_HEADER));
            assertEquals("sha-256=:" + Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(r.body())) + ":", header(r, "Repr-Digest"));
            assertEquals("bytes", header(r, "Accept-Ranges"));
            assertTrue(header(r, "Content-Disposition").contains(a.get("name").asText()));
        }
        HttpResponse<byte[]> model = fetch(ServiceHarness.ALICE, "/v1/jobs/" + jobId + "/artifacts/model.onnx");
        assertEquals("application/octet-stream", header(model, "Content-Type"));
    }

    @Test
    void rangesGive206AndOutOfRangeGives416() throws Exception {
        String path = "/v1/jobs/" + jobId + "/artifacts/model.onnx";
        byte[] whole = fetch(ServiceHarness.ALICE, path).body();
        int n = whole.length;
        HttpResponse<byte[]> mid = fetch(ServiceHarness.ALICE, path, "Range", "bytes=10-109");
        assertEquals(206, mid.statusCode());
        assertArrayEquals(Arrays.copyOfRange(whole, 10, 110), mid.body());
        assertEquals("100", header(mid, "Content-Length"));
        assertEquals("bytes 10-109/" + n, header(mid, "Content-Range"));
        assertEquals(sha256(whole), header(mid, ArtifactController.CHECKSUM_HEADER), "the checksum is the whole file's");

        HttpResponse<byte[]> tail = fetch(ServiceHarness.ALICE, path, "Range", "bytes=-16");
        assertEquals(206, tail.statusCode());
        assertArrayEquals(Arrays.copyOfRange(whole, n - 16, n), tail.body());
        assertEquals("bytes " + (n - 16) + "-" + (n - 1) + "/" + n, header(tail, "Content-Range"));

        HttpResponse<byte[]> open = fetch(ServiceHarness.ALICE, path, "Range", "bytes=" + (n - 3) + "-");
        assertArrayEquals(Arrays.copyOfRange(whole, n - 3, n), open.body());

        HttpResponse<byte[]> past = fetch(ServiceHarness.ALICE, path, "Range", "bytes=" + n + "-");
        assertEquals(416, past.statusCode());
        assertEquals("bytes */" + n, header(past, "Content-Range"));

        HttpResponse<byte[]> ignored = fetch(ServiceHarness.ALICE, path, "Range", "bytes=0-1,5-6");
        assertEquals(200, ignored.statusCode(), "several ranges: the whole file");
        assertArrayEquals(whole, ignored.body());
    }

    @Test
    void reportAsJsonOrHtml() throws Exception {
        String path = "/v1/jobs/" + jobId + "/report";
        HttpResponse<byte[]> json = fetch(ServiceHarness.ALICE, path);
        assertEquals(200, json.statusCode());
        assertTrue(header(json, "Content-Type").startsWith("application/json"), header(json, "Content-Type"));
        JsonNode report = ServiceHarness.JSON.readTree(json.body());
        assertEquals(3, report.get("layers").size(), report.toString());
        HttpResponse<byte[]> html = fetch(ServiceHarness.ALICE, path, "Accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assertEquals(200, html.statusCode());
        assertTrue(header(html, "Content-Type").startsWith("text/html"), header(html, "Content-Type"));
        String page = new String(html.body(), StandardCharsets.UTF_8);
        assertTrue(page.toLowerCase().contains("<html"), page.substring(0, Math.min(200, page.length())));
        HttpResponse<byte[]> explicitJson = fetch(ServiceHarness.ALICE, path, "Accept", "application/json");
        assertArrayEquals(json.body(), explicitJson.body());
    }

    @Test
    void unknownNamesOtherTenantsAndNoTokenAreRefused() throws Exception {
        String base = "/v1/jobs/" + jobId;
        for (String bad : List.of("/artifacts/nope.bin", "/artifacts/..%2F..%2Fmodels", "/artifacts/%2E%2E",
                "/artifacts/.hidden")) {
            HttpResponse<byte[]> r = fetch(ServiceHarness.ALICE, base + bad);
            assertEquals(404, r.statusCode(), bad);
            assertEquals(Problems.MEDIA_TYPE, header(r, "Content-Type"), bad);
            assertNotNull(ServiceHarness.JSON.readTree(r.body()).get("detail"));
        }
        assertEquals(404, fetch(ServiceHarness.BOB, base + "/artifacts").statusCode());
        assertEquals(404, fetch(ServiceHarness.BOB, base + "/artifacts/model.onnx").statusCode());
        assertEquals(404, fetch(ServiceHarness.BOB, base + "/report").statusCode());
        assertEquals(401, fetch(null, base + "/artifacts/model.onnx").statusCode());
        assertEquals(404, fetch(ServiceHarness.ALICE, "/v1/jobs/no-such-job/artifacts").statusCode());
    }
}
