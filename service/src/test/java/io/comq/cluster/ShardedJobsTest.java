package io.comq.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.cli.Main;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.settings.QuantizeSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * Submission of sharded jobs against the fabric8 Kubernetes mock server in CRUD mode (an in-memory API server that
 * stores what is created; no cluster, no controllers: the tests set the Jobs' status as the Job controller would).
 */
@EnableKubernetesMockClient(crud = true, https = false)
class ShardedJobsTest {
    /** The mock server logs every request at INFO; held so that the level sticks. */
    static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    KubernetesClient client;

    static final String NS = "ml";

    private ShardedJobs jobs(Map<String, String> extra) {
        Map<String, String> cfg = new java.util.HashMap<>(Map.of("namespace", NS, "shards", "3",
                "min-parameters", "1000", "image", "comq/comq-service:0.1.0"));
        cfg.putAll(extra);
        return new ShardedJobs(ClusterConfig.of(cfg), () -> client);
    }

    private static ShardedJobs.Request request() {
        return new ShardedJobs.Request("job-42", "jobs/job-42/model.onnx", "jobs/job-42/calibration.npz",
                QuantizeSettings.builder().bits(4).method("comq").groupSize(128).build());
    }

    private Job job(String name) {
        return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    private void setStatus(String name, int succeeded, int failed, String condition) {
        Job j = job(name);
        JobStatusBuilder s = new JobStatusBuilder().withSucceeded(succeeded).withFailed(failed);
        if (condition != null) {
            s.addToConditions(new JobConditionBuilder().withType(condition).withStatus("True")
                    .withReason(condition.equals("Failed") ? "PodFailurePolicy" : "Completed")
                    .withMessage(condition.equals("Failed") ? "Container comq exited with 2" : null).build());
        }
        j.setStatus(s.build());
        client.batch().v1().jobs().inNamespace(NS).resource(j).updateStatus();
    }

    @Test
    void withoutANamespaceEverythingRunsLocallyAndNothingIsSubmitted() {
        ShardedJobs local = new ShardedJobs(ClusterConfig.local(), () -> {
            throw new AssertionError("no client may be created without a namespace");
        });
        assertEquals(ShardedJobs.Placement.LOCAL, local.placement(Long.MAX_VALUE));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> local.submit(request()));
        assertTrue(e.getMessage().contains("comq.cluster.namespace"), e.getMessage());
        // with a namespace, small models still run locally
        assertEquals(ShardedJobs.Placement.LOCAL, jobs(Map.of()).placement(999));
        assertEquals(ShardedJobs.Placement.CLUSTER, jobs(Map.of()).placement(1000));
    }

    @Test
    void submitCreatesAnIndexedJobWhosePodsRunTheRealCommandAndAConfigMapWithTheSpec() {
        ShardedJobs.Status s = jobs(Map.of()).submit(request());
        assertEquals(ShardedJobs.Phase.SHARDING, s.phase());
        assertEquals("/work/jobs/job-42/out", s.out());

        Job j = job("comq-job-42-shards");
        assertNotNull(j);
        assertEquals("Indexed", j.getSpec().getCompletionMode());
        assertEquals(3, j.getSpec().getCompletions());
        assertEquals(3, j.getSpec().getParallelism());
        assertEquals("job-42", j.getMetadata().getLabels().get(ShardedJobs.JOB_LABEL));
        assertEquals(List.of(Main.EXIT_BAD_INPUT),
                j.getSpec().getPodFailurePolicy().getRules().get(0).getOnExitCodes().getValues());
        assertEquals("Never", j.getSpec().getTemplate().getSpec().getRestartPolicy());
        assertTrue(j.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot());
        assertEquals("comq-work", j.getSpec().getTemplate().getSpec().getVolumes().get(0).getPersistentVolumeClaim()
                .getClaimName());
        Container c = j.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("comq/comq-service:0.1.0", c.getImage());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertNull(c.getResources().getLimits().get("nvidia.com/gpu"));
        assertTrue(c.getEnv().stream().anyMatch(e -> e.getName().equals("JOB_COMPLETION_INDEX")));
        // the pod's args, with Kubernetes' $(JOB_COMPLETION_INDEX) expansion, are what comq itself accepts
        for (int i = 0; i < 3; i++) {
            String[] args = c.getArgs().stream().map(a -> a.replace("$(JOB_COMPLETION_INDEX)", "0"))
                    .map(a -> a.equals("0/3") ? "1/3" : a).toArray(String[]::new);
            ParseResult pr = new CommandLine(new Main()).parseArgs(args);
            ParseResult q = pr.subcommand();
            assertEquals("quantize", q.commandSpec().name());
            assertEquals("/work/jobs/job-42/shards", q.matchedOption("--shard-dir").getValue().toString());
            assertEquals("/work/jobs/job-42/model.onnx", q.matchedOption("--model").getValue().toString());
            assertEquals(Integer.valueOf(128), q.matchedOption("--group-size").getValue());
        }
        assertTrue(c.getArgs().contains("$(JOB_COMPLETION_INDEX)/3"), c.getArgs()::toString);

        ConfigMap spec = client.configMaps().inNamespace(NS).withName("comq-job-42-spec").get();
        assertEquals(String.join("\n", c.getArgs()), spec.getData().get(ShardedJobs.SHARD_ARGS_KEY));
        assertEquals("3", spec.getData().get("shards"));

        InvalidInputException twice = assertThrows(InvalidInputException.class,
                () -> jobs(Map.of()).submit(request()));
        assertTrue(twice.getMessage().contains("already exists"), twice.getMessage());
    }

    @Test
    void statusFollowsTheShardsThenSubmitsTheAssemblyOnceAndReportsItsOutcome() {
        ShardedJobs jobs = jobs(Map.of());
        jobs.submit(request());
        setStatus("comq-job-42-shards", 2, 1, null);
        ShardedJobs.Status s = jobs.status("job-42");
        assertEquals(ShardedJobs.Phase.SHARDING, s.phase());
        assertEquals(2, s.succeeded());
        assertEquals(1, s.failed());
        assertNull(job("comq-job-42-assemble"));

        setStatus("comq-job-42-shards", 3, 1, "Complete");
        assertEquals(ShardedJobs.Phase.ASSEMBLING, jobs.status("job-42").phase());
        Job assemble = job("comq-job-42-assemble");
        assertNotNull(assemble);
        assertNull(assemble.getSpec().getCompletionMode());
        List<String> args = assemble.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        ParseResult q = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new)).subcommand();
        assertEquals("assemble", q.commandSpec().name());
        assertEquals("/work/jobs/job-42/shards", q.matchedOption("--shards").getValue().toString());
        assertEquals("/work/jobs/job-42/out", q.matchedOption("--out").getValue().toString());
        String uid = assemble.getMetadata().getUid();
        assertEquals(ShardedJobs.Phase.ASSEMBLING, jobs.status("job-42").phase());
        assertEquals(uid, job("comq-job-42-assemble").getMetadata().getUid(), "the assembly is submitted once");

        setStatus("comq-job-42-assemble", 1, 0, "Complete");
        ShardedJobs.Status done = jobs.status("job-42");
        assertEquals(ShardedJobs.Phase.SUCCEEDED, done.phase());
        assertEquals(3, done.succeeded());

        jobs.delete("job-42");
        assertNull(job("comq-job-42-shards"));
        assertNull(job("comq-job-42-assemble"));
        assertNull(client.configMaps().inNamespace(NS).withName("comq-job-42-spec").get());
        assertThrows(InvalidInputException.class, () -> jobs.status("job-42"));
    }

    @Test
    void aFailedShardFailsTheJobWithTheClustersReason() {
        ShardedJobs jobs = jobs(Map.of());
        jobs.submit(request());
        setStatus("comq-job-42-shards", 1, 1, "Failed");
        ShardedJobs.Status s = jobs.status("job-42");
        assertEquals(ShardedJobs.Phase.FAILED, s.phase());
        assertEquals("shards failed: PodFailurePolicy: Container comq exited with 2", s.message());
        assertNull(job("comq-job-42-assemble"));
    }

    @Test
    void gpuShardsRequestGpusAndBadRequestsCreateNothing() {
        jobs(Map.of("gpus", "1", "image", "comq/comq-service-gpu:0.1.0")).submit(request());
        Container c = job("comq-job-42-shards").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("1", c.getResources().getLimits().get("nvidia.com/gpu").getAmount());
        assertEquals("1", c.getResources().getRequests().get("nvidia.com/gpu").getAmount());

        // the pods' command lines are typed settings rendered as options: the CLI reads them as they are
        ShardedJobs.Request r = request();
        for (List<String> args : List.of(jobs(Map.of()).shardArgs(r, "0"), jobs(Map.of()).assembleArgs(r))) {
            new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
        }
        InvalidConfigException contradiction = assertThrows(InvalidConfigException.class,
                () -> new ShardedJobs.Request("job-43", "m.onnx", "c.npz",
                        QuantizeSettings.builder().method("rtn").sweeps(2).build()));
        assertTrue(contradiction.getMessage().contains("sweeps has no effect with method rtn"),
                contradiction.getMessage());
        assertThrows(InvalidInputException.class, () -> new ShardedJobs.Request("job-44", "m.onnx", "c.npz",
                QuantizeSettings.builder().avgBits(4.25).build()));
        assertThrows(InvalidInputException.class, () -> new ShardedJobs.Request("Job_44", "m.onnx", "c.npz", null));
        assertThrows(InvalidInputException.class, () -> new ShardedJobs.Request("job-44", "/etc/m.onnx", "c.npz",
                null));
        InvalidConfigException bad = assertThrows(InvalidConfigException.class,
                () -> ClusterConfig.of(Map.of("namespace", "ml", "shards", "zero")));
        assertTrue(bad.getMessage().contains("comq.cluster.shards"), bad.getMessage());
        assertThrows(InvalidConfigException.class, () -> ClusterConfig.of(Map.of("namespaces", "ml")));
    }
}
