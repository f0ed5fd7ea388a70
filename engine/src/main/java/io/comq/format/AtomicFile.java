package io.comq.format;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes a file so that readers see either the old file or the complete new one: the bytes go to a temporary sibling,
 * which is then moved over the target (atomically where the file system allows).
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** The content of a file, written to a stream. */
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} atomically with the bytes {@code content} produces.
     *
     * @throws UncheckedIOException if the file cannot be written (the temporary file is removed)
     */
    public static void write(Path target, Writer content) {
        Path abs = target.toAbsolutePath();
        Path tmp = null;
        try {
            tmp = sibling(abs);
            try (OutputStream out = new BufferedOutputStream(
                    Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 20)) {
                content.writeTo(out);
            }
            replace(tmp, abs);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * A fresh temporary name beside {@code target} ({@code .NAME.UUID.tmp}), not created: made with the default
     * permissions by whoever writes it ({@code createTempFile} would make it owner-only).
     */
    public static Path sibling(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    /** Moves {@code from} over {@code to}, atomically where the file system allows. */
    public static void replace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Removes a temporary file after a failure, if there is one; an error here is dropped for the original one. */
    public static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // the original failure is the one to report
            }
        }
    }
}
