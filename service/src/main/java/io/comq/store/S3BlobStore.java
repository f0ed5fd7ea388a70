package io.comq.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * A {@link BlobStore} over any S3-compatible object store (AWS S3, MinIO, Ceph, s3proxy...).
 *
 * <p>A put first spools the stream to a local temporary file, computing size and SHA-256 and enforcing the limit, so a
 * refused or broken upload never reaches the bucket; it then uploads the file in one request, or as a multipart upload
 * for files above the part size. Either way the object appears under its key only when complete (S3 replaces objects
 * atomically), and a failed multipart upload is aborted. The SHA-256 travels as the object's user metadata
 * {@code sha256}, so {@link #stat} needs one HEAD request.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    static final String SHA256_METADATA = "sha256";
    /** S3's smallest part, except the last. */
    static final long MIN_PART_SIZE = 5L << 20;

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final Path stagingDir;
    private final long partSize;

    /**
     * @param s3         the client (closed with this store)
     * @param bucket     an existing bucket
     * @param prefix     prepended to every key (empty, or ending in {@code /})
     * @param stagingDir local folder for spooled uploads
     * @param partSize   files above this size go up as multipart uploads of parts this large (at least 5 MiB)
     */
    public S3BlobStore(S3Client s3, String bucket, String prefix, Path stagingDir, long partSize) {
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("the S3 part size must be at least 5 MiB, not " + partSize + " bytes");
        }
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            throw new IllegalArgumentException("the S3 key prefix must be empty or end with '/': " + prefix);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.stagingDir = stagingDir;
        this.partSize = partSize;
    }

    @Override
    public BlobInfo put(String key, InputStream in, long maxBytes) throws IOException {
        BlobKeys.check(key);
        try (SpooledBlob spooled = SpooledBlob.spool(key, in, maxBytes, stagingDir)) {
            return upload(key, spooled.file(), spooled.size(), spooled.sha256());
        }
    }

    @Override
    public BlobInfo putFile(String key, Path file) throws IOException {
        BlobKeys.check(key);
        long size = Files.size(file);
        String sha256;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), SpooledBlob.sha256Digest())) {
            in.transferTo(OutputStream.nullOutputStream());
            sha256 = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        }
        return upload(key, file, size, sha256);
    }

    private BlobInfo upload(String key, Path file, long size, String sha256) throws IOException {
        String objectKey = prefix + key;
        Map<String, String> metadata = Map.of(SHA256_METADATA, sha256);
        try {
            if (size <= partSize) {
                s3.putObject(PutObjectRequest.builder().bucket(bucket).key(objectKey).contentLength(size)
                        .metadata(metadata).build(), RequestBody.fromFile(file));
            } else {
                uploadMultipart(objectKey, file, size, metadata);
            }
        } catch (SdkException e) {
            throw new IOException("cannot store " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
        return stat(key).orElseThrow(() -> new IOException("stored " + key + " but the bucket does not show it"));
    }

    private void uploadMultipart(String objectKey, Path file, long size, Map<String, String> metadata) {
        String uploadId = s3.createMultipartUpload(CreateMultipartUploadRequest.builder().bucket(bucket).key(objectKey)
                .metadata(metadata).build()).uploadId();
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long offset = 0; offset < size; offset += partSize, number++) {
                long length = Math.min(partSize, size - offset);
                long from = offset;
                String etag = s3.uploadPart(UploadPartRequest.builder().bucket(bucket).key(objectKey)
                                .uploadId(uploadId).partNumber(number).contentLength(length).build(),
                        RequestBody.fromContentProvider(() -> slice(file, from, length), length,
                                "application/octet-stream")).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            s3.completeMultipartUpload(CompleteMultipartUploadRequest.builder().bucket(bucket).key(objectKey)
                    .uploadId(uploadId).multipartUpload(CompletedMultipartUpload.builder().parts(parts).build())
                    .build());
        } catch (RuntimeException e) {
            try {
                s3.abortMultipartUpload(AbortMultipartUploadRequest.builder().bucket(bucket).key(objectKey)
                        .uploadId(uploadId).build());
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
    }

    /** {@code length} bytes of {@code file} from {@code offset}, as a fresh stream (one per upload attempt). */
    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            return new BoundedInputStream(Channels.newInputStream(channel), length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws IOException {
        BlobKeys.check(key);
        HeadObjectResponse head;
        try {
            head = s3.headObject(HeadObjectRequest.builder().bucket(bucket).key(prefix + key).build());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw new IOException("cannot read " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("cannot read " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
        String sha256 = head.metadata().get(SHA256_METADATA);
        if (sha256 == null) {
            // Written by something other than this store: hash it once, on read.
            try (InputStream in = new DigestInputStream(open(key, 0, -1), SpooledBlob.sha256Digest())) {
                in.transferTo(OutputStream.nullOutputStream());
                sha256 = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
            }
        }
        Instant created = head.lastModified() != null ? head.lastModified() : Instant.EPOCH;
        return Optional.of(new BlobInfo(key, head.contentLength(), sha256, created));
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        BlobKeys.check(key);
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset + " for " + key);
        }
        if (length == 0) {
            stat(key).orElseThrow(() -> new NoSuchFileException(key));
            return InputStream.nullInputStream();
        }
        String range = "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1));
        try {
            return s3.getObject(GetObjectRequest.builder().bucket(bucket).key(prefix + key).range(range).build());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new NoSuchFileException(key);
            }
            if (e.statusCode() == 416) {
                // A range starting at or past the end: nothing to read (the blob exists, or stat says it does not).
                BlobInfo info = stat(key).orElseThrow(() -> new NoSuchFileException(key));
                if (offset >= info.size()) {
                    return InputStream.nullInputStream();
                }
            }
            throw new IOException("cannot read " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("cannot read " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    /**
     * Downloads the blob into a new file in {@code scratchDir} whose name ends with the key's last segment, checking
     * its SHA-256 against the stored one; the caller deletes it when done.
     */
    @Override
    public Path localCopy(String key, Path scratchDir) throws IOException {
        BlobInfo info = stat(key).orElseThrow(() -> new NoSuchFileException(key));
        Files.createDirectories(scratchDir);
        Path copy = Files.createTempFile(scratchDir, "blob-", "-" + BlobKeys.lastSegment(key));
        try (InputStream in = new DigestInputStream(open(key, 0, -1), SpooledBlob.sha256Digest());
             OutputStream out = Files.newOutputStream(copy)) {
            long n = in.transferTo(out);
            String sha256 = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
            if (n != info.size() || !sha256.equals(info.sha256())) {
                throw new IOException("the download of " + key + " is corrupt: " + n + " bytes with SHA-256 " + sha256
                        + ", expected " + info.size() + " bytes with " + info.sha256());
            }
            return copy;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }

    @Override
    public void delete(String key) throws IOException {
        BlobKeys.check(key);
        try {
            s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(prefix + key).build());
        } catch (SdkException e) {
            throw new IOException("cannot delete " + key + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list(String keyPrefix) throws IOException {
        try {
            List<String> keys = new ArrayList<>();
            for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket)
                    .prefix(prefix + keyPrefix).build()).contents()) {
                keys.add(o.key().substring(prefix.length()));
            }
            keys.sort(null);
            return keys;
        } catch (SdkException e) {
            throw new IOException("cannot list " + keyPrefix + " in bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
