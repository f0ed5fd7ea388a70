package io.comq.store;

import io.comq.server.ServiceSettings;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/** Makes the {@link S3BlobStore} when {@code comq.store.type=s3}. */
@Factory
@Requires(property = "comq.store.type", value = "s3")
public class S3StoreFactory {

    /** The store, closed with the application. */
    @Singleton
    @Bean(preDestroy = "close")
    public S3BlobStore s3BlobStore(S3StoreConfig config, ServiceSettings settings) {
        if (config.bucket() == null || config.bucket().isBlank()) {
            throw new IllegalStateException("comq.store.type is s3 but comq.store.s3.bucket is not set; "
                    + "name an existing bucket");
        }
        return new S3BlobStore(client(config), config.bucket(), config.normalizedPrefix(),
                config.stagingDirOr(settings.getDataDir().resolve("s3-staging")), config.partSize());
    }

    /** A client for {@code config}: path-style where asked, checksums only where S3 requires them. */
    public static S3Client client(S3StoreConfig config) {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder())
                .region(Region.of(config.region()))
                .forcePathStyle(config.pathStyle())
                // Flexible checksums (CRC32 trailers) only where S3 requires them: not every S3-compatible server
                // speaks them, and each blob already carries its SHA-256.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (config.endpoint() != null) {
            builder.endpointOverride(config.endpoint());
        }
        if (config.accessKey() != null && !config.accessKey().isBlank()) {
            if (config.secretKey() == null) {
                throw new IllegalStateException("comq.store.s3.access-key is set but comq.store.s3.secret-key is not");
            }
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(config.accessKey(), config.secretKey())));
        } else {
            builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
        }
        return builder.build();
    }
}
