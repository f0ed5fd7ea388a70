package io.comq.webhook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhook deliveries to a real HTTP server on loopback: signatures, retries, giving up. */
class WebhookSenderTest {
    private static final String SECRET = "whsec-test-7f3a";
    private static final byte[] BODY = "{\"jobId\":\"j-1\",\"state\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);

    static WebhookSettings settings(String secret, int maxAttempts) {
        return new WebhookSettings(secret, null, maxAttempts, Duration.ofMillis(100), Duration.ofMillis(400),
                Duration.ofSeconds(5), 2);
    }

    @Test
    void retriesServerErrorsThenDeliversSignedBody() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> n <= 2 ? 503 : 204, 0);
             WebhookSender sender = new WebhookSender(settings(SECRET, 5))) {
            WebhookSender.Outcome outcome = sender.send("j-1", receiver.url(), BODY).get(30, TimeUnit.SECONDS);
            assertTrue(outcome.delivered());
            assertEquals(3, outcome.attempts());
            assertEquals(204, outcome.lastStatus());
            assertEquals(3, receiver.received.size());
            for (WebhookReceiver.Received r : receiver.received) {
                assertArrayEquals(BODY, r.body());
                assertEquals("application/json", r.header("Content-Type"));
                long ts = Long.parseLong(r.header(WebhookSignature.TIMESTAMP_HEADER));
                assertTrue(Math.abs(ts - System.currentTimeMillis() / 1000) < 60, "timestamp is now");
                String sig = r.header(WebhookSignature.SIGNATURE_HEADER);
                assertTrue(sig.matches("sha256=[0-9a-f]{64}"), sig);
                assertTrue(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), ts, r.body(), sig));
                assertFalse(WebhookSignature.verify("other".getBytes(StandardCharsets.UTF_8), ts, r.body(), sig),
                        "another secret does not verify");
                assertFalse(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), ts + 1, r.body(), sig),
                        "the timestamp is part of what is signed");
            }
            Set<String> ids = receiver.received.stream().map(r -> r.header(WebhookSignature.DELIVERY_HEADER))
                    .collect(Collectors.toSet());
            assertEquals(Set.of(outcome.deliveryId()), ids, "one delivery id on every attempt");
            long gap1 = receiver.received.get(1).atNanos() - receiver.received.get(0).atNanos();
            long gap2 = receiver.received.get(2).atNanos() - receiver.received.get(1).atNanos();
            assertTrue(gap1 >= 90_000_000L, "waited the initial backoff: " + gap1);
            assertTrue(gap2 >= 190_000_000L, "the backoff doubles: " + gap2);
        }
    }

    @Test
    void givesUpAfterMaxAttempts() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 500, 0);
             WebhookSender sender = new WebhookSender(settings(SECRET, 4))) {
            WebhookSender.Outcome outcome = sender.send("j-2", receiver.url(), BODY).get(30, TimeUnit.SECONDS);
            assertFalse(outcome.delivered());
            assertEquals(4, outcome.attempts());
            assertEquals(500, outcome.lastStatus());
            Thread.sleep(600);
            assertEquals(4, receiver.received.size(), "no attempt after giving up");
        }
    }

    @Test
    void aClientErrorIsNotRetried() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 410, 0);
             WebhookSender sender = new WebhookSender(settings(SECRET, 5))) {
            WebhookSender.Outcome outcome = sender.send("j-3", receiver.url(), BODY).get(30, TimeUnit.SECONDS);
            assertFalse(outcome.delivered());
            assertEquals(1, outcome.attempts());
            assertEquals(410, outcome.lastStatus());
            assertEquals(1, receiver.received.size());
        }
    }

    @Test
    void aDeadReceiverIsRetriedThenGivenUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (WebhookSender sender = new WebhookSender(settings(SECRET, 3))) {
            WebhookSender.Outcome outcome = sender.send("j-4", URI.create("http://127.0.0.1:" + port + "/hook"), BODY)
                    .get(30, TimeUnit.SECONDS);
            assertFalse(outcome.delivered());
            assertEquals(3, outcome.attempts());
            assertEquals(0, outcome.lastStatus());
            assertNotNull(outcome.lastError());
        }
    }

    @Test
    void sendReturnsAtOnceWhileTheReceiverIsSlow() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200, 1500);
             WebhookSender sender = new WebhookSender(settings(SECRET, 2))) {
            long t0 = System.nanoTime();
            var pending = sender.send("j-5", receiver.url(), BODY);
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(tookMs < 500, "send() queued the delivery without waiting: " + tookMs + " ms");
            assertTrue(pending.get(30, TimeUnit.SECONDS).delivered());
        }
    }

    @Test
    void unsignedWithoutSecretAndSecretFromFile(@TempDir Path dir) throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(n -> 200, 0);
             WebhookSender sender = new WebhookSender(settings(null, 2))) {
            assertFalse(sender.signs());
            assertTrue(sender.send("j-6", receiver.url(), BODY).get(30, TimeUnit.SECONDS).delivered());
            assertNull(receiver.received.get(0).header(WebhookSignature.SIGNATURE_HEADER));
        }
        Path file = Files.writeString(dir.resolve("secret"), SECRET + "\n");
        WebhookSettings fromFile = new WebhookSettings(null, file, 2, Duration.ofMillis(10), Duration.ofMillis(10),
                Duration.ofSeconds(5), 1);
        assertArrayEquals(SECRET.getBytes(StandardCharsets.UTF_8), fromFile.secretBytes());
    }

    @Test
    void onlyHttpUrls() throws Exception {
        try (WebhookSender sender = new WebhookSender(settings(SECRET, 2))) {
            assertThrows(IllegalArgumentException.class, () -> sender.send("j", URI.create("file:///etc/passwd"), BODY));
            assertThrows(IllegalArgumentException.class, () -> sender.send("j", URI.create("/relative"), BODY));
        }
    }

    @Test
    void backoffDoublesUpToTheCap() throws Exception {
        try (WebhookSender sender = new WebhookSender(settings(SECRET, 10))) {
            assertEquals(Duration.ofMillis(100), sender.backoff(1));
            assertEquals(Duration.ofMillis(200), sender.backoff(2));
            assertEquals(Duration.ofMillis(400), sender.backoff(3));
            assertEquals(Duration.ofMillis(400), sender.backoff(9));
        }
    }
}
