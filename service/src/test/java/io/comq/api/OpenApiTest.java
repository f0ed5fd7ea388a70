package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document the real server serves. */
class OpenApiTest {

    @TempDir
    Path dir;

    @Test
    void theDocumentListsTheApi() throws Exception {
        try (ServiceHarness svc = new ServiceHarness(dir.resolve("data"), Map.of())) {
            HttpResponse<String> r = svc.http.send(HttpRequest.newBuilder(svc.uri("/openapi.yml")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "open without a token");
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/yaml"));
            String doc = r.body();
            assertTrue(doc.startsWith("openapi: 3."), doc.substring(0, Math.min(100, doc.length())));
            assertTrue(doc.contains("title: COMQ Service"));
            for (String path : List.of("/v1/models:", "/v1/calibration-sets:", "/v1/jobs:", "/v1/jobs/{id}:",
                    "/v1/jobs/{id}/cancel:", "/v1/jobs/{id}/events:", "/v1/jobs/{id}/artifacts:",
                    "/v1/jobs/{id}/artifacts/{name}:", "/v1/jobs/{id}/report:")) {
                assertTrue(doc.contains(path), "the document lists " + path);
            }
            assertTrue(doc.contains("scheme: bearer"), "it names the bearer token scheme");
            assertTrue(!doc.contains("name: tenant"), "the tenant comes from the token, not from a parameter");
        }
    }
}
