package io.comq.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A file the run wrote.
 *
 * @param path   its path relative to the output folder, with {@code /} separators
 * @param bytes  its size
 * @param sha256 its SHA-256, lowercase hex
 */
public record Artifact(String path, long bytes, String sha256) {

    /** Size and SHA-256 of {@code file}, named relative to {@code base} (streamed, never read whole). */
    public static Artifact of(Path base, Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), newDigest())) {
            byte[] buf = new byte[1 << 16];
            long n = 0;
            for (int r; (r = in.read(buf)) > 0; ) {
                n += r;
            }
            String hex = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
            String rel = base.relativize(file).toString().replace(java.io.File.separatorChar, '/');
            return new Artifact(rel, n, hex);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hash " + file + ": " + e.getMessage(), e);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
