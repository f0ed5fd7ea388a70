package io.comq.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comq.asset.Asset;
import io.comq.asset.AssetKind;
import io.comq.asset.AssetRepository;
import io.micronaut.context.ApplicationContext;
import io.micronaut.data.exceptions.DataAccessException;
import io.micronaut.data.model.Page;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.Sort;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The repositories against the embedded H2 database and against a real PostgreSQL server (when
 * {@code COMQ_TEST_POSTGRES_URL} names one; {@code .ci/run} starts one), both through the Flyway migrations: the
 * conditional state changes, tenant scoping, idempotency and content uniqueness, paging, time round trips.
 */
class RepositoryTest {

    @TempDir
    static Path dir;

    static Stream<Arguments> databases() {
        return Stream.of(Arguments.of("h2"), Arguments.of("postgres"));
    }

    private static ApplicationContext context(String db) {
        Map<String, Object> props = new HashMap<>();
        props.put("comq.data-dir", dir.resolve(db).toString());
        if (db.equals("postgres")) {
            String url = System.getenv("COMQ_TEST_POSTGRES_URL");
            assumeTrue(url != null && !url.isBlank(), "COMQ_TEST_POSTGRES_URL is not set: no PostgreSQL server to "
                    + "test against (.ci/run starts one)");
            props.put("datasources.default.url", url);
            props.put("datasources.default.driver-class-name", "org.postgresql.Driver");
            props.put("datasources.default.dialect", "POSTGRES");
            Map<String, String> q = query(url);
            props.put("datasources.default.username", q.getOrDefault("user", ""));
            props.put("datasources.default.password", q.getOrDefault("password", ""));
        }
        return ApplicationContext.run(props);
    }

    private static Map<String, String> query(String jdbcUrl) {
        Map<String, String> q = new HashMap<>();
        String raw = URI.create(jdbcUrl.substring("jdbc:".length())).getRawQuery();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                q.put(kv.substring(0, eq), java.net.URLDecoder.decode(kv.substring(eq + 1),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private final String modelId = UUID.randomUUID().toString();

    private Job job(String tenant, String key, Instant created) {
        return new Job(UUID.randomUUID().toString(), tenant, JobState.QUEUED, modelId, UUID.randomUUID().toString(),
                "{\"bits\":4}", null, key, "digest", "auto", null, 0, 0, 0, null, null, created, null, null);
    }

    @ParameterizedTest
    @MethodSource("databases")
    void jobsStateMachineAndTenants(String db) {
        try (ApplicationContext ctx = context(db)) {
            JobRepository jobs = ctx.getBean(JobRepository.class);
            JobLayerRepository layers = ctx.getBean(JobLayerRepository.class);
            // a fresh tenant per run: a PostgreSQL database may hold rows of an earlier run
            String alice = "alice-" + UUID.randomUUID();
            String bob = "bob-" + UUID.randomUUID();
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Job a = jobs.save(job(alice, "k1", t0));
            Job read = jobs.findByIdAndTenant(a.id(), alice).orElseThrow();
            assertEquals(a, read, "every field round-trips, times to the millisecond");
            assertTrue(jobs.findByIdAndTenant(a.id(), bob).isEmpty(), "another tenant does not see it");

            assertThrows(DataAccessException.class, () -> jobs.save(job(alice, "k1", t0)),
                    "an idempotency key is unique per tenant");
            jobs.save(job(bob, "k1", t0)); // another tenant may use the same key
            assertEquals(a.id(), jobs.findByTenantAndIdempotencyKey(alice, "k1").orElseThrow().id());
            jobs.save(job(alice, null, t0.plusMillis(1)));
            jobs.save(job(alice, null, t0.plusMillis(2))); // any number of jobs without a key

            Instant t1 = t0.plusSeconds(1);
            assertEquals(1, jobs.claim(a.id(), t1), "a queued job is claimed once");
            assertEquals(0, jobs.claim(a.id(), t1), "not twice");
            Job running = jobs.findById(a.id()).orElseThrow();
            assertEquals(JobState.RUNNING, running.state());
            assertEquals(1, running.attempts());
            assertEquals(t1, running.startedAt());
            assertEquals(1, jobs.progress(a.id(), "quantized fc1", 1, 3));
            layers.save(new JobLayer(a.id() + "/2", a.id(), 2, "fc2", null, t1));
            layers.save(new JobLayer(a.id() + "/1", a.id(), 1, "fc1", 0.125, t1));
            assertEquals(List.of("fc1", "fc2"), layers.findByJobIdOrderBySeq(a.id()).stream().map(JobLayer::name)
                    .toList());
            assertEquals(0.125, layers.findByJobIdOrderBySeq(a.id()).get(0).relError());

            assertTrue(jobs.countActiveUsing(modelId) >= 3);
            assertTrue(jobs.requeueRunning() >= 1, "a crash leaves it running; startup queues it again");
            assertEquals(JobState.QUEUED, jobs.findById(a.id()).orElseThrow().state());
            assertEquals(1, jobs.claim(a.id(), t1));
            assertEquals(2, jobs.findById(a.id()).orElseThrow().attempts());
            assertEquals(0, jobs.finish(a.id(), "QUEUED", "CANCELLED", t1), "a running job is not in queued");
            assertEquals(1, jobs.finish(a.id(), "RUNNING", "CANCELLED", t1));
            assertEquals(JobState.CANCELLED, jobs.findById(a.id()).orElseThrow().state());
            assertEquals(t1, jobs.findById(a.id()).orElseThrow().finishedAt());

            Pageable newestFirst = Pageable.from(0, 2, Sort.of(Sort.Order.desc("createdAt"), Sort.Order.asc("id")));
            Page<Job> queued = jobs.findByTenantAndState(alice, JobState.QUEUED, newestFirst);
            assertEquals(2, queued.getTotalSize());
            assertEquals(t0.plusMillis(2), queued.getContent().get(0).createdAt());
            Page<Job> all = jobs.findByTenant(alice, Pageable.from(1, 2, newestFirst.getSort()));
            assertEquals(3, all.getTotalSize());
            assertEquals(2, all.getTotalPages());
            assertEquals(List.of(a.id()), all.getContent().stream().map(Job::id).toList(), "page 2: the oldest");

            layers.deleteByJobId(a.id());
            assertTrue(layers.findByJobIdOrderBySeq(a.id()).isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void assetsAreUniqueByContentPerTenantAndKind(String db) {
        try (ApplicationContext ctx = context(db)) {
            AssetRepository assets = ctx.getBean(AssetRepository.class);
            String t = "tenant-" + UUID.randomUUID();
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            String sha = "ab".repeat(32);
            String info = "{\"format\":\"onnx\",\"layers\":[" + "{\"id\":\"x\"},".repeat(2000) + "{}]}";
            Asset m = assets.save(new Asset(UUID.randomUUID().toString(), t, AssetKind.MODEL, "m.onnx", "onnx", 10,
                    sha, "models/x", info, now));
            assertEquals(m, assets.findByIdAndTenantAndKind(m.id(), t, AssetKind.MODEL).orElseThrow(),
                    "long metadata round-trips");
            assertTrue(assets.findByIdAndTenantAndKind(m.id(), t, AssetKind.CALIBRATION_SET).isEmpty());
            assertTrue(assets.findByIdAndTenantAndKind(m.id(), "other", AssetKind.MODEL).isEmpty());
            assertThrows(DataAccessException.class, () -> assets.save(new Asset(UUID.randomUUID().toString(), t,
                    AssetKind.MODEL, "again.onnx", "onnx", 10, sha, "models/y", "{}", now)));
            assets.save(new Asset(UUID.randomUUID().toString(), t, AssetKind.CALIBRATION_SET, "c.npz", "npz", 10, sha,
                    "calibration-sets/z", "{}", now));
            assertEquals(m.id(), assets.findByTenantAndKindAndSha256(t, AssetKind.MODEL, sha).orElseThrow().id());
        }
    }
}
