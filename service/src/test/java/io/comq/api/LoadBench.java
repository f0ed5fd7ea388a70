package io.comq.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.cli.TinyModel;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service under load: 200 concurrent clients against the real server while a job runs (an 8-layer MLP in float64
 * on one kernel thread, six of them one after the other). 180 clients poll the jobs' status
 * ({@code GET /v1/jobs/{id}}), 20 upload calibration sets (distinct content, so every upload is stored);
 * each client makes a fixed number of requests (bounded in count and time). Prints latency percentiles per kind of
 * request. A benchmark, not a test: it asserts nothing about time, has no {@code @Test}, and runs only when asked for,
 * as its own program on the test class path:
 *
 * <pre>./mvnw -B -q -am -pl service install -DskipTests &amp;&amp; ./mvnw -B -q -pl service exec:exec -Pload-bench</pre>
 */
public class LoadBench {
    static final int CLIENTS = 200;
    static final int UPLOADERS = 20;
    static final int POLLS_PER_CLIENT = 50;
    static final int UPLOADS_PER_CLIENT = 5;
    static final int JOBS = 6;
    static final Duration LIMIT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("comq-loadbench");
        try (ServiceHarness svc = new ServiceHarness(dir.resolve("data"), Map.of("comq.jobs.workers", 1))) {
            // one slow job (an 8-layer MLP, float64, cyclic, one thread) that runs while the clients work
            Path model = TinyModel.write(dir.resolve("mlp.onnx"), TinyModel.mlp(3, 192, 8));
            Path calib = TinyModel.mlpCalibration(dir.resolve("mlp.npz"), 256, 192, 4);
            String modelId = svc.upload(ServiceHarness.ALICE, "/v1/models?name=mlp.onnx", model).json().get("id")
                    .asText();
            String calId = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=mlp.npz", calib).json()
                    .get("id").asText();
            List<String> jobs = new ArrayList<>();
            for (int k = 0; k < JOBS; k++) {
                jobs.add(svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of("modelId", modelId,
                        "calibrationSetId", calId, "settings", Map.of("precision", "float64", "order", "cyclic",
                                "sweeps", 3, "threads", 1))).json().get("id").asText());
            }
            long waitUntil = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!svc.get(ServiceHarness.ALICE, "/v1/jobs/" + jobs.get(0)).json().get("state").asText()
                    .equals("running") && System.nanoTime() < waitUntil) {
                Thread.sleep(20);
            }
            List<byte[]> uploads = new ArrayList<>();
            for (int k = 0; k < UPLOADERS * UPLOADS_PER_CLIENT; k++) {
                uploads.add(Files.readAllBytes(TinyModel.calibration(dir.resolve("cal-" + k + ".npz"), 200, 1000 + k)));
            }
            long[] poll = new long[(CLIENTS - UPLOADERS) * POLLS_PER_CLIENT];
            long[] upload = new long[UPLOADERS * UPLOADS_PER_CLIENT];
            AtomicInteger pollN = new AtomicInteger();
            AtomicInteger uploadN = new AtomicInteger();
            AtomicInteger errors = new AtomicInteger();
            AtomicInteger sawRunning = new AtomicInteger();
            long deadline = System.nanoTime() + LIMIT.toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            CountDownLatch start = new CountDownLatch(1);
            long t0;
            Instant loadStart;
            try {
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    pool.execute(() -> {
                        try {
                            start.await();
                            if (client < UPLOADERS) {
                                for (int k = 0; k < UPLOADS_PER_CLIENT && System.nanoTime() < deadline; k++) {
                                    byte[] body = uploads.get(client * UPLOADS_PER_CLIENT + k);
                                    long t = System.nanoTime();
                                    int status = svc.upload(ServiceHarness.ALICE,
                                            "/v1/calibration-sets?name=load.npz", body).status();
                                    upload[uploadN.getAndIncrement()] = System.nanoTime() - t;
                                    if (status != 201 && status != 200) {
                                        errors.incrementAndGet();
                                    }
                                }
                            } else {
                                for (int k = 0; k < POLLS_PER_CLIENT && System.nanoTime() < deadline; k++) {
                                    String id = jobs.get(k % jobs.size());
                                    long t = System.nanoTime();
                                    HttpResponse<String> r = svc.http.send(HttpRequest.newBuilder(
                                                    svc.uri("/v1/jobs/" + id)).header("Authorization", "Bearer "
                                                    + ServiceHarness.ALICE).timeout(Duration.ofSeconds(60)).GET().build(),
                                            HttpResponse.BodyHandlers.ofString());
                                    poll[pollN.getAndIncrement()] = System.nanoTime() - t;
                                    if (r.statusCode() != 200) {
                                        errors.incrementAndGet();
                                    } else if (r.body().contains("\"state\":\"running\"")) {
                                        sawRunning.incrementAndGet();
                                    }
                                }
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    });
                }
                t0 = System.nanoTime();
                loadStart = Instant.now();
                start.countDown();
                pool.shutdown();
                if (!pool.awaitTermination(LIMIT.toSeconds() + 60, TimeUnit.SECONDS)) {
                    pool.shutdownNow();
                }
            } finally {
                pool.shutdownNow();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            Instant loadEnd = Instant.now();
            int finished = 0;
            List<Instant[]> runs = new ArrayList<>();
            for (String id : jobs) {
                JsonNode j = svc.awaitEnd(ServiceHarness.ALICE, id, Duration.ofMinutes(5));
                finished += j.get("state").asText().equals("succeeded") ? 1 : 0;
                runs.add(new Instant[] {Instant.parse(j.get("startedAt").asText()),
                        Instant.parse(j.get("finishedAt").asText())});
            }
            double busy = coverage(runs, loadStart, loadEnd);
            System.out.printf(Locale.ROOT, "%nLoadBench: %d clients (%d polling, %d uploading), %.1f s wall, %d errors, "
                            + "a job running during %.0f%% of the load, %d of %d polls saw a running job, "
                            + "%d/%d jobs succeeded; JDK %s, %d CPUs%n",
                    CLIENTS, CLIENTS - UPLOADERS, UPLOADERS, wall, errors.get(), 100 * busy, sawRunning.get(),
                    pollN.get(), finished, JOBS, Runtime.version(), Runtime.getRuntime().availableProcessors());
            System.out.println("| request | count | req/s | p50 ms | p90 ms | p99 ms | max ms |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
            row("GET /v1/jobs/{id}", Arrays.copyOf(poll, pollN.get()), wall);
            row("POST /v1/calibration-sets (" + uploads.get(0).length / 1024 + " KiB)",
                    Arrays.copyOf(upload, uploadN.get()), wall);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The share of [from, to] covered by the union of the runs (jobs run one at a time with one worker). */
    static double coverage(List<Instant[]> runs, Instant from, Instant to) {
        long covered = 0;
        for (Instant[] r : runs) {
            Instant a = r[0].isAfter(from) ? r[0] : from;
            Instant b = r[1].isBefore(to) ? r[1] : to;
            if (b.isAfter(a)) {
                covered += Duration.between(a, b).toMillis();
            }
        }
        long total = Math.max(1, Duration.between(from, to).toMillis());
        return Math.min(1.0, covered / (double) total);
    }

    private static void row(String name, long[] nanos, double wall) {
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.1f | %.1f | %.1f | %.1f |%n", name, nanos.length,
                nanos.length / wall, pct(nanos, 0.50), pct(nanos, 0.90), pct(nanos, 0.99),
                nanos.length == 0 ? 0 : nanos[nanos.length - 1] / 1e6);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
