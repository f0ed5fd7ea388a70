package io.comq.store;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where the S3-compatible store is ({@code comq.store.s3.*}; used when {@code comq.store.type=s3}).
 *
 * @param endpoint   the server's URL (MinIO, Ceph, s3proxy...); none for AWS S3 itself
 * @param region     the signing region
 * @param bucket     an existing bucket (required)
 * @param prefix     prepended to every key, e.g. {@code comq/}; empty for none
 * @param accessKey  the access key; none to use the AWS default credential chain (environment, profile, role)
 * @param secretKey  the secret key that goes with {@code accessKey}
 * @param pathStyle  {@code bucket} in the path rather than the host name (what most S3-compatible servers need)
 * @param stagingDir local folder where uploads are spooled before they go to the bucket (default:
 *                   {@code <comq.data-dir>/s3-staging})
 * @param partSize   uploads above this many bytes go as multipart uploads of parts this large (at least 5 MiB)
 */
@ConfigurationProperties("comq.store.s3")
public record S3StoreConfig(
        @Nullable URI endpoint,
        @Bindable(defaultValue = "us-east-1") String region,
        @Nullable String bucket,
        @Bindable(defaultValue = "") String prefix,
        @Nullable String accessKey,
        @Nullable String secretKey,
        @Bindable(defaultValue = "true") boolean pathStyle,
        @Nullable Path stagingDir,
        @Bindable(defaultValue = "67108864") long partSize) {

    /** The prefix as the store uses it: empty, or ending in {@code /}. */
    public String normalizedPrefix() {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    /** The staging folder, {@code fallback} unless configured. */
    public Path stagingDirOr(Path fallback) {
        return stagingDir != null ? stagingDir : fallback;
    }
}
