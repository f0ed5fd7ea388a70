package io.comq.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.context.ApplicationContext;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 store as the application configures it: {@code comq.store.type=s3} and {@code comq.store.s3.*}. */
class S3StoreConfigTest {

    @TempDir
    Path staging;

    @Test
    void configuredStoreTalksToTheServer() throws Exception {
        try (S3ProxyServer server = S3ProxyServer.start();
             S3Client raw = server.createBucket("configured");
             ApplicationContext ctx = ApplicationContext.run(Map.of(
                     "comq.store.type", "s3",
                     "comq.store.s3.endpoint", server.endpoint().toString(),
                     "comq.store.s3.bucket", "configured",
                     "comq.store.s3.prefix", "tenant-data",
                     "comq.store.s3.access-key", S3ProxyServer.ACCESS_KEY,
                     "comq.store.s3.secret-key", S3ProxyServer.SECRET_KEY,
                     "comq.store.s3.staging-dir", staging.toString(),
                     "comq.data-dir", staging.resolve("data").toString()))) {
            S3StoreConfig config = ctx.getBean(S3StoreConfig.class);
            assertEquals("us-east-1", config.region());
            assertTrue(config.pathStyle());
            assertEquals(64L << 20, config.partSize());
            assertEquals("tenant-data/", config.normalizedPrefix());
            BlobStore store = ctx.getBean(BlobStore.class);
            assertInstanceOf(S3BlobStore.class, store);
            byte[] data = {1, 2, 3, 4, 5};
            store.put("models/m/model.onnx", new ByteArrayInputStream(data), 10);
            assertArrayEquals(data, store.open("models/m/model.onnx", 0, -1).readAllBytes());
            assertEquals("tenant-data/models/m/model.onnx",
                    raw.listObjectsV2(b -> b.bucket("configured")).contents().get(0).key());
        }
    }

    @Test
    void notActiveUnlessAskedFor() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.of("comq.store.s3.bucket", "b",
                "comq.data-dir", staging.resolve("data").toString()))) {
            assertFalse(ctx.containsBean(S3BlobStore.class));
        }
    }

    @Test
    void aMissingBucketIsNamedAtStartup() {
        Exception e = assertThrows(Exception.class, () -> {
            try (ApplicationContext ctx = ApplicationContext.run(Map.of("comq.store.type", "s3",
                    "comq.data-dir", staging.resolve("data").toString()))) {
                ctx.getBean(BlobStore.class);
            }
        });
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("comq.store.s3.bucket"), root.getMessage());
    }
}
