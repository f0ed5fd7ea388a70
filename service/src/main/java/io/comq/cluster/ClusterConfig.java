package io.comq.cluster;

import io.comq.error.InvalidConfigException;
import java.util.Map;

/**
 * Where and how sharded jobs run ({@code comq.cluster.*}; by environment {@code COMQ_CLUSTER_NAMESPACE}, ...).
 *
 * @param namespace      the namespace to submit Jobs to; blank: no cluster, every job runs in the service's process
 * @param image          the image of the shard and assemble pods (the service's own)
 * @param shards         pods per sharded job
 * @param minParameters  models with at least this many weights in their quantizable layers go to the cluster
 * @param workClaim      the ReadWriteMany PersistentVolumeClaim the pods share (model, calibration set, shards, output)
 * @param workMount      where the pods mount it; job paths are under it
 * @param cpu            CPU request of a shard pod
 * @param memory         memory request and limit of a shard pod
 * @param gpus           {@code nvidia.com/gpu} per shard pod (0: CPU shards)
 * @param serviceAccount the pods' service account (blank: the namespace's default)
 */
public record ClusterConfig(String namespace, String image, int shards, long minParameters, String workClaim,
                            String workMount, String cpu, String memory, int gpus, String serviceAccount) {

    /** Keys in {@code comq.cluster.*} and their defaults. */
    public static final Map<String, String> DEFAULTS = Map.of(
            "namespace", "",
            "image", "comq/comq-service:0.1.0",
            "shards", "4",
            "min-parameters", "1000000000",
            "work-claim", "comq-work",
            "work-mount", "/work",
            "cpu", "4",
            "memory", "16Gi",
            "gpus", "0",
            "service-account", "");

    public ClusterConfig {
        namespace = namespace == null ? "" : namespace.strip();
        serviceAccount = serviceAccount == null ? "" : serviceAccount.strip();
        if (!namespace.isEmpty()) {
            if (!namespace.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || namespace.length() > 63) {
                throw new InvalidConfigException("comq.cluster.namespace '" + namespace + "' is not a Kubernetes "
                        + "namespace name (lowercase letters, digits and '-', at most 63)");
            }
            if (image == null || image.isBlank()) {
                throw new InvalidConfigException("comq.cluster.image is required when comq.cluster.namespace is set");
            }
            if (workClaim == null || workClaim.isBlank()) {
                throw new InvalidConfigException("comq.cluster.work-claim (a ReadWriteMany volume claim the shards "
                        + "share) is required when comq.cluster.namespace is set");
            }
        }
        if (shards < 1 || shards > 1000) {
            throw new InvalidConfigException("comq.cluster.shards must be between 1 and 1000, got " + shards);
        }
        if (minParameters < 0) {
            throw new InvalidConfigException("comq.cluster.min-parameters must not be negative, got " + minParameters);
        }
        if (gpus < 0) {
            throw new InvalidConfigException("comq.cluster.gpus must not be negative, got " + gpus);
        }
        if (workMount == null || !workMount.startsWith("/")) {
            throw new InvalidConfigException("comq.cluster.work-mount must be an absolute path, got " + workMount);
        }
    }

    /** No cluster: every job runs locally. */
    public static ClusterConfig local() {
        return of(Map.of());
    }

    /**
     * The configuration from {@code comq.cluster.*} keys without the prefix ({@code namespace}, {@code shards}, ...);
     * missing keys take {@link #DEFAULTS}.
     *
     * @throws InvalidConfigException naming the key whose value is wrong
     */
    public static ClusterConfig of(Map<String, String> values) {
        for (String k : values.keySet()) {
            if (!DEFAULTS.containsKey(k)) {
                throw new InvalidConfigException("comq.cluster." + k + " is not a setting; known: "
                        + new java.util.TreeSet<>(DEFAULTS.keySet()));
            }
        }
        java.util.function.Function<String, String> v = k -> values.getOrDefault(k, DEFAULTS.get(k));
        return new ClusterConfig(v.apply("namespace"), v.apply("image"), integer(v, "shards"),
                number(v, "min-parameters"), v.apply("work-claim"), v.apply("work-mount"), v.apply("cpu"),
                v.apply("memory"), integer(v, "gpus"), v.apply("service-account"));
    }

    private static long number(java.util.function.Function<String, String> v, String key) {
        try {
            return Long.parseLong(v.apply(key).strip());
        } catch (NumberFormatException e) {
            throw new InvalidConfigException("comq.cluster." + key + " must be a whole number, got '" + v.apply(key)
                    + "'");
        }
    }

    private static int integer(java.util.function.Function<String, String> v, String key) {
        long n = number(v, key);
        if (n != (int) n) {
            throw new InvalidConfigException("comq.cluster." + key + " is too large: " + n);
        }
        return (int) n;
    }

    /** Whether jobs may go to the cluster at all. */
    public boolean enabled() {
        return !namespace.isEmpty();
    }
}
