/**
 * Sharded quantization on Kubernetes: {@link io.comq.cluster.ShardedJobs} decides whether a model is quantized in the
 * service's own process or across pods, submits an Indexed Job ({@code comq quantize --shard $(JOB_COMPLETION_INDEX)/n})
 * with a ConfigMap holding the job's settings, follows it, and submits the {@code comq assemble} Job once every shard
 * has succeeded. Configured by {@link io.comq.cluster.ClusterConfig}; without a namespace everything stays local.
 */
package io.comq.cluster;
