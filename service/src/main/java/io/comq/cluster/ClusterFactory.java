package io.comq.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.env.Environment;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The cluster beans: {@link ClusterConfig} from {@code comq.cluster.*} (environment variables
 * {@code COMQ_CLUSTER_NAMESPACE}, {@code COMQ_CLUSTER_SHARDS}, ...) and {@link ShardedJobs}. The Kubernetes client is
 * built only when a job is placed on the cluster, which needs {@code comq.cluster.namespace}: without one no client is
 * ever created and every job runs in the service's own process.
 */
@Factory
public class ClusterFactory {

    private volatile KubernetesClient client;

    @Singleton
    ClusterConfig clusterConfig(Environment env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : ClusterConfig.DEFAULTS.keySet()) {
            env.getProperty("comq.cluster." + key, String.class).ifPresent(v -> values.put(key, v));
        }
        return ClusterConfig.of(values);
    }

    @Singleton
    ShardedJobs shardedJobs(ClusterConfig config) {
        return new ShardedJobs(config, clients());
    }

    /** The client in a pod (service account) or from ~/.kube/config, built at first use. */
    Supplier<KubernetesClient> clients() {
        return () -> {
            KubernetesClient c = client;
            if (c == null) {
                synchronized (this) {
                    if (client == null) {
                        client = new KubernetesClientBuilder().build();
                    }
                    c = client;
                }
            }
            return c;
        };
    }

    @PreDestroy
    void close() {
        KubernetesClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
