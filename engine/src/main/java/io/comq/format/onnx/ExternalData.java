package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.comq.error.InvalidModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Tensor bytes stored outside the model file ({@code data_location = EXTERNAL}): {@code location} relative to the
 * model's folder, optional {@code offset} and {@code length}. A location that leaves the folder is refused.
 */
final class ExternalData {
    private final Path baseDir;

    ExternalData(Path baseDir) {
        this.baseDir = baseDir == null ? null : baseDir.toAbsolutePath().normalize();
    }

    static boolean isExternal(TensorProto t) {
        return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    /** Declared byte length of an external tensor, or -1 when the entry has none. */
    static long declaredLength(TensorProto t) {
        String len = entry(t, "length");
        return len == null ? -1 : parse(t, "length", len);
    }

    /** Where an external tensor's bytes are: a file of the model's folder, an offset and a length. */
    private record Span(Path file, String location, long offset, long length) {
    }

    /**
     * The checked span of an external tensor whose type and shape call for {@code expected} bytes.
     *
     * @throws InvalidModelException if it names no location, a bad one, or a length other than {@code expected}
     */
    private Span span(TensorProto t, long expected) {
        String location = entry(t, "location");
        if (location == null || location.isEmpty()) {
            throw new InvalidModelException("tensor " + t.getName() + " is stored externally but names no location");
        }
        Path file = resolve(location, t.getName());
        long offset = entry(t, "offset") == null ? 0 : parse(t, "offset", entry(t, "offset"));
        long length = declaredLength(t);
        if (length < 0) {
            length = expected;
        }
        if (length != expected) {
            throw new InvalidModelException("tensor " + t.getName() + " declares " + length + " external bytes but its "
                    + "type and shape need " + expected);
        }
        return new Span(file, location, offset, length);
    }

    private static void checkSize(TensorProto t, Span s, FileChannel ch) throws IOException {
        if (s.offset() + s.length() > ch.size()) {
            throw new InvalidModelException("tensor " + t.getName() + " needs bytes " + s.offset() + ".."
                    + (s.offset() + s.length()) + " of " + s.location() + ", which has only " + ch.size());
        }
    }

    /** Tensors of at least this many bytes are memory-mapped rather than read onto the heap. */
    static final long MAP_MIN_BYTES = 16L << 20;

    /**
     * The bytes of an external tensor, little-endian, positioned at its first byte; {@code expected} is the size its
     * type and shape call for. A large tensor is memory-mapped read-only (the file's pages, no copy on the heap); a
     * small one is read.
     */
    ByteBuffer read(TensorProto t, long expected) {
        Span s = span(t, expected);
        String location = s.location();
        long length = s.length();
        if (length > Integer.MAX_VALUE - 16) {
            throw new InvalidModelException("tensor " + t.getName() + " has " + length + " bytes; a single tensor over "
                    + "2 GB is not supported");
        }
        try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
            checkSize(t, s, ch);
            if (length >= MAP_MIN_BYTES) {
                return ch.map(FileChannel.MapMode.READ_ONLY, s.offset(), length).order(ByteOrder.LITTLE_ENDIAN);
            }
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            long pos = s.offset();
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new InvalidModelException("external data file " + location + " ended early");
                }
                pos += n;
            }
            return buf.flip().order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read external data " + location + " of tensor " + t.getName() + ": "
                    + e.getMessage());
        }
    }

    /**
     * Copies the bytes of an external tensor to {@code out} file to file ({@link FileChannel#transferTo}, no copy on
     * the heap, any size); returns the number of bytes copied.
     */
    long copyTo(TensorProto t, FileChannel out) {
        Span s = span(t, TensorCodec.byteSize(t));
        long offset = s.offset();
        long length = s.length();
        String location = s.location();
        try (FileChannel in = FileChannel.open(s.file(), StandardOpenOption.READ)) {
            checkSize(t, s, in);
            long done = 0;
            while (done < length) {
                long n = in.transferTo(offset + done, length - done, out);
                if (n <= 0) {
                    throw new InvalidModelException("external data file " + location + " ended early");
                }
                done += n;
            }
            return length;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot copy external data " + location + " of tensor "
                    + t.getName() + ": " + e.getMessage(), e);
        }
    }

    /** The external file for {@code location}, refusing absolute paths and paths that leave the model's folder. */
    Path resolve(String location, String tensor) {
        if (baseDir == null) {
            throw new InvalidModelException("tensor " + tensor + " is stored in external file " + location
                    + " but the model was not loaded from a folder");
        }
        Path rel;
        try {
            rel = Path.of(location);
        } catch (InvalidPathException e) {
            throw new InvalidModelException("tensor " + tensor + " has an invalid external data location '" + location
                    + "'");
        }
        Path p = baseDir.resolve(rel).normalize();
        if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\") || !p.startsWith(baseDir)
                || p.equals(baseDir)) {
            throw new InvalidModelException("tensor " + tensor + " has external data location '" + location
                    + "', which is outside the model's folder " + baseDir + "; external data must lie in that folder");
        }
        try {
            if (Files.exists(p) && !p.toRealPath().startsWith(baseDir.toRealPath())) {
                throw new InvalidModelException("tensor " + tensor + " has external data location '" + location
                        + "', which links outside the model's folder " + baseDir);
            }
        } catch (IOException e) {
            throw new InvalidModelException("cannot resolve external data " + location + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(p)) {
            throw new InvalidModelException("external data file " + location + " of tensor " + tensor
                    + " does not exist in " + baseDir);
        }
        return p;
    }

    static String entry(TensorProto t, String key) {
        for (StringStringEntryProto e : t.getExternalDataList()) {
            if (e.getKey().equals(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static long parse(TensorProto t, String key, String value) {
        try {
            long v = Long.parseLong(value.trim());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidModelException("tensor " + t.getName() + " has external data " + key + " '" + value
                    + "', not a non-negative integer");
        }
    }
}
