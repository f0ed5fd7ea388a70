package io.comq.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The real service on a free port over a data folder, and a real HTTP client talking to it. */
final class ServiceHarness implements AutoCloseable {
    static final String ALICE = "alice-token-0123456789abcdef";
    static final String BOB = "bob-token-0123456789abcdef00";
    static final ObjectMapper JSON = new ObjectMapper();

    final ApplicationContext context;
    final EmbeddedServer server;
    final String base;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** A client of a service running elsewhere (another process) at {@code base}. */
    ServiceHarness(String base) {
        this.base = base;
        this.server = null;
        this.context = null;
    }

    ServiceHarness(Path dataDir, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("comq.data-dir", dataDir.toString());
        props.put("comq.auth.tokens", Map.of(ALICE, "alice", BOB, "bob"));
        props.put("comq.jobs.workers", 1);
        props.putAll(extra);
        server = ApplicationContext.run(EmbeddedServer.class, props);
        context = server.getApplicationContext();
        base = server.getURL().toString();
    }

    /** A reply: status, headers and the body parsed as JSON (null when empty or not JSON). */
    record Reply(int status, HttpResponse<String> raw, JsonNode json) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String contentType() {
            return header("Content-Type");
        }
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    Reply send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(b.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode node = null;
        if (!r.body().isEmpty()) {
            try {
                node = JSON.readTree(r.body());
            } catch (IOException e) {
                node = null;
            }
        }
        return new Reply(r.statusCode(), r, node);
    }

    Reply get(String token, String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        return send(token == null ? b : b.header("Authorization", "Bearer " + token));
    }

    Reply delete(String token, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).DELETE().header("Authorization", "Bearer " + token));
    }

    Reply upload(String token, String path, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return send(token == null ? b : b.header("Authorization", "Bearer " + token));
    }

    Reply upload(String token, String path, Path file) throws IOException, InterruptedException {
        return upload(token, path, Files.readAllBytes(file));
    }

    Reply postJson(String token, String path, Object body, String... headers) throws IOException,
            InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body)));
        for (int k = 0; k < headers.length; k += 2) {
            b.header(headers[k], headers[k + 1]);
        }
        return send(b);
    }

    /** Polls the job until it is in a terminal state (or the timeout passes) and returns its last view. */
    JsonNode awaitEnd(String token, String jobId, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        JsonNode j;
        do {
            j = get(token, "/v1/jobs/" + jobId).json();
            String s = j.path("state").asText();
            if (s.equals("succeeded") || s.equals("failed") || s.equals("cancelled")) {
                return j;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < end);
        throw new AssertionError("job " + jobId + " did not end within " + timeout + ": " + j);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            context.close();
        }
    }
}
