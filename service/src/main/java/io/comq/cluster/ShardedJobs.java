package io.comq.cluster;

import io.comq.cli.Main;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.settings.QuantizeSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs a large model's quantization as a Kubernetes Indexed Job, or says to run it locally.
 *
 * <p>{@link #submit} creates a ConfigMap {@code comq-<id>-spec} (the request and the exact command lines, for people
 * and tools looking at the cluster) and an Indexed Job {@code comq-<id>-shards} whose pod {@code i} runs
 * {@code comq quantize ... --shard i/n --shard-dir <work>/jobs/<id>/shards}; {@link #status} reads it and, once every
 * shard has succeeded, creates the Job {@code comq-<id>-assemble} ({@code comq assemble ... --out
 * <work>/jobs/<id>/out}) and follows that. Every command line is parsed by the real {@code comq} command line before
 * anything is created, so a bad option fails here and not in a pod. All objects carry the label
 * {@code comq.io/job=<id>}; {@link #delete} removes them.
 */
public final class ShardedJobs {
    /** The label every object of a job carries. */
    public static final String JOB_LABEL = "comq.io/job";
    /** The ConfigMap key holding the shard command line (one argument per line). */
    public static final String SHARD_ARGS_KEY = "shard-args";
    /** The ConfigMap key holding the assemble command line (one argument per line). */
    public static final String ASSEMBLE_ARGS_KEY = "assemble-args";

    /** Where a job runs. */
    public enum Placement {
        /** In the service's own process (no cluster configured, or a model below the threshold). */
        LOCAL,
        /** As an Indexed Job of {@link ClusterConfig#shards()} pods. */
        CLUSTER
    }

    /** Where a submitted job is. */
    public enum Phase {
        /** Shard pods are pending or running. */
        SHARDING,
        /** Every shard succeeded; the assemble pod is pending or running. */
        ASSEMBLING,
        /** The model and report are in {@link Status#out()}. */
        SUCCEEDED,
        /** A shard or the assembly failed for good; see {@link Status#message()}. */
        FAILED
    }

    /**
     * A sharded job to submit. Paths are relative to the shared work volume.
     *
     * @param id          the service's job id: lowercase letters, digits and '-', at most 40
     * @param model       the ONNX model on the work volume, e.g. {@code jobs/<id>/model.onnx}
     * @param calibration the calibration set on the work volume
     * @param settings    the job's settings (method, bits, grid, format...), checked here; the pods get them as
     *                    {@code comq quantize} options ({@link QuantizeSettings#arguments()})
     */
    public record Request(String id, String model, String calibration, QuantizeSettings settings) {
        public Request {
            if (id == null || !id.matches("[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?")) {
                throw new InvalidInputException("job id '" + id + "' must be lowercase letters, digits and '-', at "
                        + "most 40, to name Kubernetes objects");
            }
            for (String p : new String[] {model, calibration}) {
                if (p == null || p.isBlank() || p.startsWith("/") || p.contains("..")) {
                    throw new InvalidInputException("'" + p + "' must be a path relative to the work volume");
                }
            }
            settings = (settings == null ? QuantizeSettings.defaults() : settings).resolved();
            if (!settings.shardable()) {
                throw new InvalidInputException("these settings cannot be sharded: shards calibrate in parallel and "
                        + "without mixed precision (calibrationMode parallel or auto, avgBits 0)");
            }
        }

        /** {@code qdq} or {@code matmulnbits}. */
        public String format() {
            return settings.format();
        }
    }

    /**
     * A job's state as the cluster reports it.
     *
     * @param id        the job id
     * @param phase     where it is
     * @param shards    shard pods in all
     * @param succeeded shards finished
     * @param failed    failed shard pods (retried up to the Job's backoff limit)
     * @param message   why it failed, or empty
     * @param out       the output folder on the work volume
     */
    public record Status(String id, Phase phase, int shards, int succeeded, int failed, String message, String out) {
    }

    private final ClusterConfig config;
    private final Supplier<KubernetesClient> clients;

    /**
     * @param config  where and how jobs run
     * @param clients the Kubernetes client (called only when a job goes to the cluster; in a pod, the default
     *                {@code new KubernetesClientBuilder().build()} uses the service account)
     */
    public ShardedJobs(ClusterConfig config, Supplier<KubernetesClient> clients) {
        this.config = config;
        this.clients = clients;
    }

    /** Where a model with {@code parameters} weights in its quantizable layers runs. */
    public Placement placement(long parameters) {
        return config.enabled() && parameters >= config.minParameters() ? Placement.CLUSTER : Placement.LOCAL;
    }

    /**
     * Creates the ConfigMap and the Indexed Job.
     *
     * @throws InvalidConfigException if no namespace is configured
     * @throws InvalidInputException  if the job exists
     */
    public Status submit(Request r) {
        if (!config.enabled()) {
            throw new InvalidConfigException("no Kubernetes namespace is configured (comq.cluster.namespace): run the "
                    + "job locally");
        }
        List<String> shardArgs = shardArgs(r, "$(JOB_COMPLETION_INDEX)");
        List<String> assembleArgs = assembleArgs(r);
        KubernetesClient k = clients.get();
        String ns = config.namespace();
        if (k.batch().v1().jobs().inNamespace(ns).withName(shardsName(r.id())).get() != null) {
            throw new InvalidInputException("a sharded job '" + r.id() + "' already exists in namespace " + ns);
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("id", r.id());
        data.put("model", r.model());
        data.put("calibration", r.calibration());
        data.put("format", r.format());
        data.put("shards", Integer.toString(config.shards()));
        data.put(SHARD_ARGS_KEY, String.join("\n", shardArgs));
        data.put(ASSEMBLE_ARGS_KEY, String.join("\n", assembleArgs));
        ConfigMap spec = new ConfigMapBuilder().withNewMetadata().withName(specName(r.id())).withNamespace(ns)
                .withLabels(labels(r.id(), "spec")).endMetadata().withData(data).build();
        k.configMaps().inNamespace(ns).resource(spec).create();
        Job shards = job(r.id(), shardsName(r.id()), "shard", shardArgs, true);
        k.batch().v1().jobs().inNamespace(ns).resource(shards).create();
        return new Status(r.id(), Phase.SHARDING, config.shards(), 0, 0, "", out(r.id()));
    }

    /**
     * Reads the job's state; once every shard has succeeded, submits the assembly (once).
     *
     * @throws InvalidInputException if there is no such job
     */
    public Status status(String id) {
        KubernetesClient k = clients.get();
        String ns = config.namespace();
        Job shards = k.batch().v1().jobs().inNamespace(ns).withName(shardsName(id)).get();
        if (shards == null) {
            throw new InvalidInputException("no sharded job '" + id + "' in namespace " + ns);
        }
        int total = shards.getSpec().getCompletions();
        JobStatus s = shards.getStatus();
        int succeeded = s == null || s.getSucceeded() == null ? 0 : s.getSucceeded();
        int failed = s == null || s.getFailed() == null ? 0 : s.getFailed();
        String failure = condition(s, "Failed");
        if (failure != null) {
            return new Status(id, Phase.FAILED, total, succeeded, failed, "shards failed: " + failure, out(id));
        }
        if (condition(s, "Complete") == null && succeeded < total) {
            return new Status(id, Phase.SHARDING, total, succeeded, failed, "", out(id));
        }
        Job assemble = k.batch().v1().jobs().inNamespace(ns).withName(assembleName(id)).get();
        if (assemble == null) {
            ConfigMap spec = k.configMaps().inNamespace(ns).withName(specName(id)).get();
            if (spec == null) {
                throw new InvalidInputException("sharded job '" + id + "' has lost its ConfigMap " + specName(id));
            }
            List<String> args = List.of(spec.getData().get(ASSEMBLE_ARGS_KEY).split("\n"));
            k.batch().v1().jobs().inNamespace(ns).resource(job(id, assembleName(id), "assemble", args, false))
                    .create();
            return new Status(id, Phase.ASSEMBLING, total, total, failed, "", out(id));
        }
        JobStatus a = assemble.getStatus();
        String assembleFailure = condition(a, "Failed");
        if (assembleFailure != null) {
            return new Status(id, Phase.FAILED, total, total, failed, "assembly failed: " + assembleFailure, out(id));
        }
        boolean done = condition(a, "Complete") != null
                || (a != null && a.getSucceeded() != null && a.getSucceeded() >= 1);
        return new Status(id, done ? Phase.SUCCEEDED : Phase.ASSEMBLING, total, total, failed, "", out(id));
    }

    /** Deletes the job's Jobs (and their pods) and ConfigMap. */
    public void delete(String id) {
        KubernetesClient k = clients.get();
        String ns = config.namespace();
        k.batch().v1().jobs().inNamespace(ns).withLabel(JOB_LABEL, id).withPropagationPolicy(
                io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
        k.configMaps().inNamespace(ns).withLabel(JOB_LABEL, id).delete();
    }

    /** The shard command line, {@code index} standing for the pod's completion index. */
    List<String> shardArgs(Request r, String index) {
        List<String> a = new ArrayList<>(List.of("quantize", "--model", path(r.model()), "--calibration",
                path(r.calibration())));
        a.addAll(r.settings().arguments());
        a.addAll(List.of("--shard", index + "/" + config.shards(), "--shard-dir", shardDir(r.id())));
        return a;
    }

    List<String> assembleArgs(Request r) {
        return List.of("assemble", "--shards", shardDir(r.id()), "--model", path(r.model()), "--calibration",
                path(r.calibration()), "--format", r.format(), "--out", out(r.id()), "--force");
    }

    private Job job(String id, String name, String component, List<String> args, boolean indexed) {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        requests.put("cpu", new Quantity(config.cpu()));
        requests.put("memory", new Quantity(config.memory()));
        Map<String, Quantity> limits = new LinkedHashMap<>();
        limits.put("memory", new Quantity(config.memory()));
        if (config.gpus() > 0) {
            requests.put("nvidia.com/gpu", new Quantity(Integer.toString(config.gpus())));
            limits.put("nvidia.com/gpu", new Quantity(Integer.toString(config.gpus())));
        }
        ContainerBuilder c = new ContainerBuilder().withName("comq").withImage(config.image()).withArgs(args)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withResources(new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build())
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("work").withMountPath(config.workMount()).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .addToEnv(new EnvVarBuilder().withName("JAVA_TOOL_OPTIONS")
                        .withValue("-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp").build());
        if (indexed) {
            c.addToEnv(new EnvVarBuilder().withName("JOB_COMPLETION_INDEX").withNewValueFrom().withNewFieldRef()
                    .withFieldPath("metadata.annotations['batch.kubernetes.io/job-completion-index']").endFieldRef()
                    .endValueFrom().build());
        }
        Container container = c.build();
        JobBuilder b = new JobBuilder().withNewMetadata().withName(name).withNamespace(config.namespace())
                .withLabels(labels(id, component)).endMetadata()
                .withNewSpec()
                .withBackoffLimit(indexed ? 2 * config.shards() : 2)
                .withTtlSecondsAfterFinished(7 * 24 * 3600)
                .withNewPodFailurePolicy().addNewRule().withAction("FailJob").withNewOnExitCodes()
                .withContainerName("comq").withOperator("In").withValues(Main.EXIT_BAD_INPUT).endOnExitCodes()
                .endRule().endPodFailurePolicy()
                .withNewTemplate().withNewMetadata().withLabels(labels(id, component)).endMetadata()
                .withNewSpec().withRestartPolicy("Never")
                .withServiceAccountName(config.serviceAccount().isEmpty() ? null : config.serviceAccount())
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L).withRunAsGroup(10001L)
                .withFsGroup(10001L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withContainers(container)
                .addNewVolume().withName("work").withNewPersistentVolumeClaim().withClaimName(config.workClaim())
                .endPersistentVolumeClaim().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec().endTemplate().endSpec();
        if (config.gpus() > 0) {
            b.editSpec().editTemplate().editSpec().addNewToleration().withKey("nvidia.com/gpu").withOperator("Exists")
                    .withEffect("NoSchedule").endToleration().endSpec().endTemplate().endSpec();
        }
        if (indexed) {
            b.editSpec().withCompletionMode("Indexed").withCompletions(config.shards())
                    .withParallelism(config.shards()).endSpec();
        }
        return b.build();
    }

    private static String condition(JobStatus s, String type) {
        if (s == null || s.getConditions() == null) {
            return null;
        }
        for (JobCondition c : s.getConditions()) {
            if (type.equals(c.getType()) && "True".equals(c.getStatus())) {
                String why = (c.getReason() == null ? "" : c.getReason())
                        + (c.getMessage() == null ? "" : ": " + c.getMessage());
                return why.isEmpty() ? type : why;
            }
        }
        return null;
    }

    private static Map<String, String> labels(String id, String component) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put("app.kubernetes.io/name", "comq");
        l.put("app.kubernetes.io/part-of", "comq");
        l.put("app.kubernetes.io/component", component);
        l.put(JOB_LABEL, id);
        return l;
    }

    private String path(String relative) {
        return config.workMount().replaceAll("/+$", "") + "/" + relative;
    }

    private String shardDir(String id) {
        return path("jobs/" + id + "/shards");
    }

    private String out(String id) {
        return path("jobs/" + id + "/out");
    }

    static String shardsName(String id) {
        return "comq-" + id + "-shards";
    }

    static String assembleName(String id) {
        return "comq-" + id + "-assemble";
    }

    static String specName(String id) {
        return "comq-" + id + "-spec";
    }
}
