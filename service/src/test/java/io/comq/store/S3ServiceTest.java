package io.comq.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.api.ServiceHarnessAccess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The whole service on the S3 store: uploads, a job and downloads go through a real S3 server on loopback. */
class S3ServiceTest {

    @TempDir
    Path dir;

    @Test
    void aJobRunsWithEveryBlobInTheBucket() throws Exception {
        try (S3ProxyServer s3 = S3ProxyServer.start();
             S3Client raw = s3.createBucket("service");
             ServiceHarnessAccess svc = ServiceHarnessAccess.start(dir.resolve("data"), Map.of(
                     "comq.store.type", "s3",
                     "comq.store.s3.endpoint", s3.endpoint().toString(),
                     "comq.store.s3.bucket", "service",
                     "comq.store.s3.prefix", "comq/",
                     "comq.store.s3.access-key", S3ProxyServer.ACCESS_KEY,
                     "comq.store.s3.secret-key", S3ProxyServer.SECRET_KEY))) {
            assertInstanceOf(S3BlobStore.class, svc.context().getBean(BlobStore.class));
            String jobId = svc.runTinyJob(dir, null);

            List<String> keys = raw.listObjectsV2(b -> b.bucket("service")).contents().stream().map(S3Object::key)
                    .toList();
            assertTrue(keys.stream().allMatch(k -> k.startsWith("comq/")), keys.toString());
            assertTrue(keys.stream().anyMatch(k -> k.startsWith("comq/models/")), keys.toString());
            assertTrue(keys.stream().anyMatch(k -> k.startsWith("comq/calibration-sets/")), keys.toString());
            assertTrue(keys.contains("comq/jobs/" + jobId + "/artifacts/model.onnx"), keys.toString());

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<byte[]> model = http.send(HttpRequest.newBuilder(URI.create(svc.url() + "/v1/jobs/" + jobId
                            + "/artifacts/model.onnx")).header("Authorization", "Bearer " + ServiceHarnessAccess.ALICE)
                    .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, model.statusCode());
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model.body()));
            assertEquals(sha, model.headers().firstValue("X-Checksum-Sha256").orElseThrow());
            HttpResponse<byte[]> part = http.send(HttpRequest.newBuilder(URI.create(svc.url() + "/v1/jobs/" + jobId
                            + "/artifacts/model.onnx")).header("Authorization", "Bearer " + ServiceHarnessAccess.ALICE)
                    .header("Range", "bytes=5-14").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(206, part.statusCode());
            assertEquals(10, part.body().length);
            assertEquals(model.body()[5], part.body()[0]);
            assertTrue(java.nio.file.Files.notExists(dir.resolve("data/blobs")), "nothing in the local store");
        }
    }
}
