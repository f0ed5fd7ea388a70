package io.comq.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An incoming stream written to a temporary file, with its size and SHA-256 computed on the way and a size limit
 * enforced before the limit is passed by more than one buffer. Closing deletes the file.
 */
final class SpooledBlob implements AutoCloseable {
    private static final int BUFFER = 1 << 16;

    private final Path file;
    private final long size;
    private final String sha256;

    private SpooledBlob(Path file, long size, String sha256) {
        this.file = file;
        this.size = size;
        this.sha256 = sha256;
    }

    /**
     * Copies {@code in} into a new file in {@code dir}.
     *
     * @throws BlobTooLargeException after more than {@code maxBytes} were read; the file is gone
     */
    static SpooledBlob spool(String key, InputStream in, long maxBytes, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = Files.createTempFile(dir, "spool-", ".part");
        try {
            MessageDigest digest = sha256Digest();
            long n = 0;
            try (OutputStream out = Files.newOutputStream(file)) {
                byte[] buf = new byte[BUFFER];
                for (int r; (r = in.read(buf)) >= 0; ) {
                    n += r;
                    if (n > maxBytes) {
                        throw new BlobTooLargeException(key, maxBytes);
                    }
                    digest.update(buf, 0, r);
                    out.write(buf, 0, r);
                }
            }
            return new SpooledBlob(file, n, HexFormat.of().formatHex(digest.digest()));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    Path file() {
        return file;
    }

    long size() {
        return size;
    }

    String sha256() {
        return sha256;
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
