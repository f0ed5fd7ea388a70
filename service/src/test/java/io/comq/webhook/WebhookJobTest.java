package io.comq.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.job.JobNotifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real job on the real server, its webhook received by a real HTTP server that fails the first attempt. */
class WebhookJobTest {
    private static final String SECRET = "whsec-job-test-91";

    @TempDir
    Path dir;

    @Test
    void aFinishedJobPostsItsSignedSummaryWithRetries() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n == 1 ? 502 : 200, 0);
             var svc = io.comq.api.ServiceHarnessAccess.start(dir.resolve("data"), Map.of(
                     "comq.webhook.secret", SECRET,
                     "comq.webhook.initial-backoff", "100ms"))) {
            assertTrue(svc.context().getBean(JobNotifier.class) instanceof WebhookNotifier,
                    "the webhook notifier replaces the logging one");
            String jobId = svc.runTinyJob(dir, receiver.url().toString());
            long end = System.nanoTime() + 30_000_000_000L;
            while (receiver.received.size() < 2 && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertEquals(2, receiver.received.size(), "one failed attempt, then the delivery");
            WebhookReceiver.Received r = receiver.received.get(1);
            long ts = Long.parseLong(r.header(WebhookSignature.TIMESTAMP_HEADER));
            assertTrue(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), ts, r.body(),
                    r.header(WebhookSignature.SIGNATURE_HEADER)));
            JsonNode body = new ObjectMapper().readTree(r.body());
            assertEquals(WebhookNotifier.EVENT, body.get("event").asText());
            assertEquals(jobId, body.get("jobId").asText());
            assertEquals("succeeded", body.get("state").asText());
            assertEquals(3, body.get("layersDone").asInt());
            assertTrue(body.get("artifacts").toString().contains("model.onnx"), body.toString());
            assertEquals("/v1/jobs/" + jobId, body.get("href").asText());
            assertFalse(body.has("webhookUrl"));
        }
    }
}
