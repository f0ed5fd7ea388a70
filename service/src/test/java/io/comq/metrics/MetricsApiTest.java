package io.comq.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.api.ServiceHarnessAccess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus endpoint of the real server, before and after a job. */
class MetricsApiTest {

    @TempDir
    Path dir;

    static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+|NaN)$").matcher(text);
        assertTrue(m.find(), series + " in\n" + text.lines().filter(l -> l.startsWith("comq")).toList());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void jobsByStateQueueLayerTimeAndBytesStored() throws Exception {
        try (ServiceHarnessAccess svc = ServiceHarnessAccess.start(dir.resolve("data"), Map.of())) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create(svc.url() + "/prometheus");
            HttpResponse<String> before = http.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, before.statusCode(), "open without a token, like health");
            assertTrue(before.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            assertEquals(0, value(before.body(), "comq_jobs{state=\"succeeded\"}"));
            assertEquals(0, value(before.body(), "comq_jobs_queue_length"));
            assertEquals(0, value(before.body(), "comq_stored_bytes{kind=\"model\"}"));

            svc.runTinyJob(dir, null);
            Thread.sleep(1100); // the state counts are cached for a second
            String after = http.send(HttpRequest.newBuilder(uri).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(1, value(after, "comq_jobs{state=\"succeeded\"}"));
            assertEquals(0, value(after, "comq_jobs{state=\"running\"}"));
            assertEquals(0, value(after, "comq_jobs_queue_length"));
            assertEquals(3, value(after, "comq_layer_duration_seconds_count"), "one sample per layer");
            assertTrue(value(after, "comq_layer_duration_seconds_sum") > 0);
            assertTrue(value(after, "comq_stored_bytes{kind=\"model\"}") > 0);
            assertTrue(value(after, "comq_stored_bytes{kind=\"calibration-set\"}") > 0);
            assertTrue(after.contains("comq_stored_bytes{kind=\"artifact\"}"));
        }
    }
}
