package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Server-sent events of a job's progress, read by a real HTTP client from the real server. */
class JobEventsApiTest {

    @TempDir
    static Path dir;
    static ServiceHarness svc;

    /** One server-sent event. */
    record Sse(String name, String id, JsonNode data) {
    }

    @BeforeAll
    static void start() {
        svc = new ServiceHarness(dir.resolve("data"), Map.of());
    }

    @AfterAll
    static void stop() {
        svc.close();
    }

    static HttpResponse<Stream<String>> open(String token, String jobId) throws Exception {
        return svc.http.send(HttpRequest.newBuilder(svc.uri("/v1/jobs/" + jobId + "/events"))
                .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(120)).GET().build(), HttpResponse.BodyHandlers.ofLines());
    }

    /** Reads events until the server ends the stream. */
    static List<Sse> readAll(HttpResponse<Stream<String>> r) throws Exception {
        List<Sse> out = new ArrayList<>();
        String name = "message";
        String id = null;
        StringBuilder data = new StringBuilder();
        for (String line : (Iterable<String>) r.body()::iterator) {
            if (line.isEmpty()) {
                if (data.length() > 0) {
                    out.add(new Sse(name, id, ServiceHarness.JSON.readTree(data.toString())));
                }
                name = "message";
                id = null;
                data.setLength(0);
            } else if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("id:")) {
                id = line.substring(3).strip();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).strip());
            }
        }
        if (data.length() > 0) {
            out.add(new Sse(name, id, ServiceHarness.JSON.readTree(data.toString())));
        }
        return out;
    }

    @Test
    void followsAJobFromQueuedToSucceededThenEnds() throws Exception {
        // one worker: the third job waits behind the first two, so its stream starts while it is queued
        TinyJob.submit(svc, ServiceHarness.ALICE, dir, 3);
        TinyJob.submit(svc, ServiceHarness.ALICE, dir, 3);
        String jobId = TinyJob.submit(svc, ServiceHarness.ALICE, dir, 3);
        HttpResponse<Stream<String>> r = open(ServiceHarness.ALICE, jobId);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<Sse> events = readAll(r);

        Sse first = events.get(0);
        assertEquals("state", first.name());
        assertEquals(jobId, first.data().get("jobId").asText());
        assertTrue(List.of("queued", "running").contains(first.data().get("state").asText()), first.toString());
        Sse last = events.get(events.size() - 1);
        assertEquals("progress", last.name());
        assertEquals("succeeded", last.data().get("state").asText(), events.toString());
        assertEquals(3, last.data().get("layersDone").asInt());
        List<String> layers = events.stream().filter(e -> e.data().hasNonNull("layer"))
                .map(e -> e.data().get("layer").asText()).toList();
        assertEquals(List.of("conv", "fc1", "fc2"), layers, "one event per finished layer, in order");
        assertTrue(events.stream().anyMatch(e -> e.data().path("state").asText().equals("running")));
        int done = 0;
        long id = 0;
        for (Sse e : events) {
            assertTrue(e.data().get("layersDone").asInt() >= done, "progress never goes back");
            done = e.data().get("layersDone").asInt();
            assertTrue(Long.parseLong(e.id()) > id, "ids increase");
            id = Long.parseLong(e.id());
        }
        assertEquals("succeeded", svc.get(ServiceHarness.ALICE, "/v1/jobs/" + jobId).json().get("state").asText());
    }

    @Test
    void aFinishedJobGivesOneStateEventAndEnds() throws Exception {
        String jobId = TinyJob.succeeded(svc, ServiceHarness.ALICE, dir);
        List<Sse> events = readAll(open(ServiceHarness.ALICE, jobId));
        assertEquals(1, events.size(), events.toString());
        assertEquals("state", events.get(0).name());
        assertEquals("succeeded", events.get(0).data().get("state").asText());
    }

    @Test
    void otherTenantsAndUnknownJobsGet404() throws Exception {
        String jobId = TinyJob.submit(svc, ServiceHarness.ALICE, dir, 1);
        HttpResponse<Stream<String>> bob = open(ServiceHarness.BOB, jobId);
        assertEquals(404, bob.statusCode());
        bob.body().close();
        HttpResponse<Stream<String>> none = open(ServiceHarness.ALICE, "no-such-job");
        assertEquals(404, none.statusCode());
        none.body().close();
        svc.awaitEnd(ServiceHarness.ALICE, jobId, Duration.ofSeconds(120));
    }
}
