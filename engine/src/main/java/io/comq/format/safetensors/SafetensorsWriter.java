package io.comq.format.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comq.format.AtomicFile;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes {@code .safetensors} files atomically (a temporary sibling moved into place): the 8-byte little-endian header
 * length, the JSON header padded with spaces so the data section starts on an 8-byte boundary, then each tensor's
 * bytes, contiguous and in the order given. Tensor bytes are produced one tensor at a time ({@link TensorBytes}), so a
 * tensor copied from another file never passes through the heap whole.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One tensor to write.
     *
     * @param name  tensor name (not empty, not {@code __metadata__}, unique in the file)
     * @param dtype element type
     * @param shape dimensions
     * @param bytes its little-endian bytes, {@code dtype.itemSize() * prod(shape)} of them
     */
    public record Entry(String name, DType dtype, int[] shape, TensorBytes bytes) {
        public Entry {
            shape = shape.clone();
            long need = Math.multiplyExact(Tensor.elements(shape), dtype.itemSize());
            if (bytes.size() != need) {
                throw new IllegalArgumentException("tensor " + name + ": " + bytes.size() + " bytes for dtype "
                        + dtype.id() + " and shape " + Arrays.toString(shape) + ", which need " + need);
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** An in-memory tensor. */
        public static Entry of(String name, Tensor t) {
            return new Entry(name, t.dtype(), t.shape(), encode(t));
        }

        /** A tensor copied unchanged, bytes and all, from {@code source}. */
        public static Entry copy(SafetensorsFile source, String name) {
            return copy(source, name, name);
        }

        /** Tensor {@code name} of {@code source} written as {@code newName}, bytes unchanged. */
        public static Entry copy(SafetensorsFile source, String name, String newName) {
            TensorInfo t = source.info(name);
            return new Entry(newName, t.dtype(), t.shape(), source.bytes(name));
        }
    }

    /** Writes {@code tensors} (in map order) with optional {@code metadata} (may be empty). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>();
        tensors.forEach((n, t) -> entries.add(Entry.of(n, t)));
        write(file, entries, metadata);
    }

    /**
     * Writes {@code entries} in order, with {@code metadata} as the header's {@code __metadata__} (left out when empty).
     *
     * @throws IllegalArgumentException    for an empty, reserved or repeated tensor name
     * @throws java.io.UncheckedIOException if the file cannot be written (nothing is left behind)
     */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) {
        byte[] header = header(entries, metadata);
        AtomicFile.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            out.write(len.array());
            out.write(header);
            for (Entry e : entries) {
                Counting c = new Counting(out);
                e.bytes().writeTo(c);
                if (c.count != e.bytes().size()) {
                    throw new IOException("tensor " + e.name() + " produced " + c.count + " bytes, expected "
                            + e.bytes().size());
                }
            }
        });
    }

    /** The JSON header, padded with spaces so that {@code 8 + header.length} is a multiple of 8. */
    static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(m::put);
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (Entry e : entries) {
            if (e.name() == null || e.name().isEmpty() || e.name().equals(SafetensorsFile.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name \"" + e.name() + "\"");
            }
            if (!seen.add(e.name())) {
                throw new IllegalArgumentException("tensor name \"" + e.name() + "\" given twice");
            }
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().id());
            ArrayNode shape = t.putArray("shape");
            for (int d : e.shape()) {
                shape.add(d);
            }
            ArrayNode off = t.putArray("data_offsets");
            off.add(offset);
            offset += e.bytes().size();
            off.add(offset);
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** The little-endian bytes of an in-memory tensor, encoded in blocks. */
    static TensorBytes encode(Tensor t) {
        return new TensorBytes() {
            @Override
            public long size() {
                return t.bytes();
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                Object data = t.data();
                if (data instanceof byte[] b) {
                    out.write(b);
                    return;
                }
                int item = t.dtype().itemSize();
                int n = java.lang.reflect.Array.getLength(data);
                int block = 1 << 14;
                ByteBuffer buf = ByteBuffer.allocate(block * item).order(ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < n; k += block) {
                    int c = Math.min(block, n - k);
                    buf.clear();
                    if (data instanceof float[] f) {
                        buf.asFloatBuffer().put(f, k, c);
                    } else if (data instanceof double[] d) {
                        buf.asDoubleBuffer().put(d, k, c);
                    } else if (data instanceof short[] s) {
                        buf.asShortBuffer().put(s, k, c);
                    } else if (data instanceof int[] i) {
                        buf.asIntBuffer().put(i, k, c);
                    } else {
                        buf.asLongBuffer().put((long[]) data, k, c);
                    }
                    out.write(buf.array(), 0, c * item);
                }
            }
        };
    }

    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        @Override
        public void close() {
            // the underlying stream belongs to the caller
        }
    }
}
