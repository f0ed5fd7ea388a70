package io.comq.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.comq.cli.Main;
import io.comq.cli.TinyModel;
import io.comq.cluster.ShardedJobs;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job placed on the cluster, through the real service API: the service (configured with a namespace and a low
 * {@code comq.cluster.min-parameters}) builds its own Kubernetes client, here pointed at the fabric8 mock API server in
 * CRUD mode, stages the model on the shared work folder and submits the sharded Job. The test plays the cluster: it
 * runs each shard pod's command line (from the Job's ConfigMap) with the real CLI, marks the Job complete as the Job
 * controller would, then does the same for the assembly Job. The job ends {@code succeeded} with the assembled model
 * as its artifact, byte for byte the model a single {@code comq quantize} of the same options writes.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class ClusterJobTest {
    static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static final String NS = "ml";
    static final List<String> PROPS = List.of("kubernetes.master", "kubernetes.auth.tryKubeConfig",
            "kubernetes.auth.tryServiceAccount", "kubernetes.namespace");

    KubernetesClient client;

    @TempDir
    Path dir;

    private final Map<String, String> saved = new java.util.HashMap<>();

    @BeforeEach
    void pointTheServicesClientAtTheMock() {
        for (String p : PROPS) {
            saved.put(p, System.getProperty(p));
        }
        System.setProperty("kubernetes.master", client.getMasterUrl().toString());
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.namespace", NS);
    }

    @AfterEach
    void restore() {
        saved.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
    }

    @Test
    void aLargeModelRunsAsShardsOnTheClusterAndEndsWithTheAssembledModel() throws Exception {
        Path model = TinyModel.write(dir.resolve("mlp.onnx"), TinyModel.mlp(5, 32, 4));
        Path calib = TinyModel.mlpCalibration(dir.resolve("mlp.npz"), 64, 32, 3);
        Path shared = Files.createDirectories(dir.resolve("work-volume"));
        try (ServiceHarness svc = new ServiceHarness(dir.resolve("data"), Map.of("comq.cluster.namespace", NS,
                "comq.cluster.min-parameters", "1000", "comq.cluster.shards", "2",
                "comq.cluster.work-mount", shared.toString()))) {
            String modelId = svc.upload(ServiceHarness.ALICE, "/v1/models?name=mlp.onnx", model).json().get("id")
                    .asText();
            String calId = svc.upload(ServiceHarness.ALICE, "/v1/calibration-sets?name=mlp.npz", calib).json()
                    .get("id").asText();
            ServiceHarness.Reply r = svc.postJson(ServiceHarness.ALICE, "/v1/jobs", Map.of("modelId", modelId,
                    "calibrationSetId", calId, "settings", Map.of("method", "comq", "bits", 3, "sweeps", 2)));
            assertEquals(202, r.status(), r.raw().body());
            String id = r.json().get("id").asText();

            Job shards = await("comq-" + id + "-shards");
            assertEquals(2, shards.getSpec().getCompletions());
            ConfigMap spec = client.configMaps().inNamespace(NS).withName("comq-" + id + "-spec").get();
            List<String> shardArgs = List.of(spec.getData().get(ShardedJobs.SHARD_ARGS_KEY).split("\n"));
            assertTrue(shardArgs.containsAll(List.of("--method", "comq", "--bits", "3", "--sweeps", "2")),
                    shardArgs.toString());
            // the runner records its stage once it has seen the submitted Job: wait for it
            JsonNode running = svc.get(ServiceHarness.ALICE, "/v1/jobs/" + id).json();
            for (long until = System.nanoTime() + 30_000_000_000L;
                 !running.at("/progress/stage").asText().startsWith("cluster:") && System.nanoTime() < until; ) {
                Thread.sleep(100);
                running = svc.get(ServiceHarness.ALICE, "/v1/jobs/" + id).json();
            }
            assertEquals("running", running.get("state").asText(), running.toString());
            assertTrue(running.at("/progress/stage").asText().startsWith("cluster: 0/2 shards"),
                    running.toString());
            for (int i = 0; i < 2; i++) {
                String index = Integer.toString(i);
                cli(shardArgs.stream().map(a -> a.replace("$(JOB_COMPLETION_INDEX)", index)).toList());
            }
            complete("comq-" + id + "-shards", 2);

            Job assemble = await("comq-" + id + "-assemble");
            cli(assemble.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
            complete("comq-" + id + "-assemble", 1);

            JsonNode done = svc.awaitEnd(ServiceHarness.ALICE, id, Duration.ofMinutes(2));
            assertEquals("succeeded", done.get("state").asText(), done.toString());
            assertEquals(4, done.get("progress").get("layersDone").asInt(), done.toString());
            Path stored = dir.resolve("data/blobs/jobs/" + id + "/artifacts/model.onnx");
            assertTrue(Files.isRegularFile(dir.resolve("data/blobs/jobs/" + id + "/artifacts/report.json")));

            // the same options in one process
            List<String> single = new ArrayList<>(shardArgs.subList(0, shardArgs.indexOf("--shard")));
            single.set(single.indexOf("--model") + 1, model.toString()); // the shared copies are gone by now
            single.set(single.indexOf("--calibration") + 1, calib.toString());
            single.addAll(List.of("--out", dir.resolve("single").toString()));
            cli(single);
            assertEquals(sha(dir.resolve("single/model.onnx")), sha(stored), "assembled = single run");
            assertEquals(sha(stored), artifactSha(done, "model.onnx"));

            // the cluster objects and the shared folder are cleaned up
            assertTrue(client.batch().v1().jobs().inNamespace(NS).withLabel(ShardedJobs.JOB_LABEL, id).list()
                    .getItems().isEmpty(), "Jobs deleted");
            assertTrue(Files.notExists(shared.resolve("jobs/" + id)), "shared folder removed");
        }
    }

    private Job await(String name) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < end) {
            Job j = client.batch().v1().jobs().inNamespace(NS).withName(name).get();
            if (j != null) {
                return j;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the service did not create the Job " + name);
    }

    /** What the Job controller does when the pods have succeeded. */
    private void complete(String name, int succeeded) {
        Job j = client.batch().v1().jobs().inNamespace(NS).withName(name).get();
        assertNotNull(j, name);
        j.setStatus(new JobStatusBuilder().withSucceeded(succeeded).withFailed(0).addToConditions(
                new JobConditionBuilder().withType("Complete").withStatus("True").withReason("Completed").build())
                .build());
        client.batch().v1().jobs().inNamespace(NS).resource(j).updateStatus();
    }

    private static void cli(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> a = new ArrayList<>(args);
        a.add("--no-progress");
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), a.toArray(String[]::new));
        assertEquals(0, code, "comq " + a + "\n" + out + err);
    }

    private static String sha(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    private static String artifactSha(JsonNode job, String name) {
        for (JsonNode a : job.get("artifacts")) {
            if (a.get("name").asText().equals(name)) {
                return a.get("sha256").asText();
            }
        }
        throw new AssertionError("no " + name + " in " + job);
    }
}
