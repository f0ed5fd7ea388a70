package io.comq.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

/** The blob store contract, and multipart uploads, against a real S3-compatible server (s3proxy) on loopback. */
class S3BlobStoreTest extends BlobStoreContract {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static S3ProxyServer server;

    private S3Client raw;
    private String bucket;
    private S3BlobStore store;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Override
    BlobStore store() {
        bucket = "comq-test-" + BUCKETS.incrementAndGet();
        raw = server.createBucket(bucket);
        S3StoreConfig config = server.config(bucket, "svc", stagingDir(), S3BlobStore.MIN_PART_SIZE);
        store = new S3BlobStore(S3StoreFactory.client(config), bucket, config.normalizedPrefix(), stagingDir(),
                config.partSize());
        return store;
    }

    @Override
    Path stagingDir() {
        return scratch.resolve("staging");
    }

    @AfterEach
    void closeClients() {
        if (store != null) {
            store.close();
        }
        if (raw != null) {
            raw.close();
        }
    }

    @Test
    void keysLiveUnderThePrefix() throws Exception {
        BlobStore s = store();
        s.put("models/m/model.onnx", new ByteArrayInputStream(bytes(10, 20)), 100);
        List<String> objects = raw.listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).build()).contents()
                .stream().map(o -> o.key()).toList();
        assertEquals(List.of("svc/models/m/model.onnx"), objects);
        assertEquals(List.of("models/m/model.onnx"), s.list(""));
    }

    @Test
    void largeBlobsGoUpInPartsAndComeBackWhole() throws Exception {
        BlobStore s = store();
        byte[] data = bytes((int) (2.5 * S3BlobStore.MIN_PART_SIZE), 21);
        BlobInfo info = s.put("models/big/model.onnx", new ByteArrayInputStream(data), data.length);
        assertEquals(sha256(data), info.sha256());
        assertEquals(data.length, info.size());
        assertArrayEquals(data, read(s.open("models/big/model.onnx", 0, -1)));
        int from = (int) S3BlobStore.MIN_PART_SIZE - 7;
        assertArrayEquals(java.util.Arrays.copyOfRange(data, from, from + 20),
                read(s.open("models/big/model.onnx", from, 20)), "a range across the part boundary");
        assertTrue(raw.listMultipartUploads(ListMultipartUploadsRequest.builder().bucket(bucket).build())
                .uploads().isEmpty(), "no upload left open");
    }
}
