package io.comq.format.npy;

import io.comq.error.InvalidTensorFileException;
import io.comq.format.AtomicFile;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads and writes single-array NumPy {@code .npy} files. */
public final class Npy {
    private Npy() {
    }

    /**
     * Reads a {@code .npy} file (format 1.0, 2.0 or 3.0; any supported dtype and byte order; C or Fortran order) into C
     * order.
     *
     * @throws InvalidTensorFileException if the file is missing, unreadable, truncated or not a supported array
     */
    public static NpyArray read(Path file) {
        checkReadable(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return NpyStreams.read(in, Files.size(file));
        } catch (NpyFormatException e) {
            throw new InvalidTensorFileException(file, e.getMessage());
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * Writes {@code array} as a format 1.0 (2.0 if the header needs it) little-endian C-order {@code .npy} file,
     * atomically: a reader sees the old file or the whole new one, never a part.
     *
     * @throws java.io.UncheckedIOException if the file cannot be written
     */
    public static void write(Path file, NpyArray array) {
        AtomicFile.write(file, out -> NpyStreams.write(out, array));
    }

    static void checkReadable(Path file) {
        if (Files.isDirectory(file)) {
            throw new InvalidTensorFileException(file, "is a directory, expected a file");
        }
        if (!Files.exists(file)) {
            throw new InvalidTensorFileException(file, "no such file");
        }
    }

    static InvalidTensorFileException unreadable(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new InvalidTensorFileException(file, "no such file", e);
        }
        if (e instanceof AccessDeniedException) {
            return new InvalidTensorFileException(file, "cannot be read: permission denied", e);
        }
        return new InvalidTensorFileException(file, "cannot be read: " + e, e);
    }
}
