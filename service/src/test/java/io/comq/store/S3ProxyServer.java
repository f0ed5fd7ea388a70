package io.comq.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;

/**
 * A real S3-compatible server on loopback, in this JVM: s3proxy over jclouds' in-memory ({@code transient}) blob store,
 * with AWS signature checking on.
 */
final class S3ProxyServer implements AutoCloseable {
    static final String ACCESS_KEY = "comq-test-access";
    static final String SECRET_KEY = "comq-test-secret-0123456789";

    private final BlobStoreContext context;
    private final S3Proxy proxy;
    private final URI endpoint;

    private S3ProxyServer(BlobStoreContext context, S3Proxy proxy, URI endpoint) {
        this.context = context;
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    static S3ProxyServer start() throws Exception {
        BlobStoreContext context = ContextBuilder.newBuilder(new TransientApiMetadata())
                .credentials("identity", "credential")
                .overrides(new Properties())
                .build(BlobStoreContext.class);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                context.close();
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(5);
        }
        return new S3ProxyServer(context, proxy, URI.create("http://127.0.0.1:" + proxy.getPort()));
    }

    URI endpoint() {
        return endpoint;
    }

    /** The store's configuration for {@code bucket} on this server. */
    S3StoreConfig config(String bucket, String prefix, Path stagingDir, long partSize) {
        return new S3StoreConfig(endpoint, "us-east-1", bucket, prefix, ACCESS_KEY, SECRET_KEY, true, stagingDir,
                partSize);
    }

    /** Creates {@code bucket} and returns a client for it. */
    S3Client createBucket(String bucket) {
        S3Client client = S3StoreFactory.client(config(bucket, "", null, S3BlobStore.MIN_PART_SIZE));
        client.createBucket(CreateBucketRequest.builder().bucket(bucket).build());
        return client;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
