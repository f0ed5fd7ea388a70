package io.comq.format.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.comq.error.InvalidInputException;
import io.comq.error.InvalidTensorFileException;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file: its validated header, read once, and its tensors, read on demand through memory
 * mappings of the file (never the whole file into the heap). A tensor larger than one mapping is read in chunks; one
 * with more elements than a Java array can hold is refused.
 *
 * <p>Validation follows the format's reference implementation: an 8-byte little-endian header length no larger than
 * {@value #MAX_HEADER_BYTES} and within the file, a JSON object with no duplicate keys, known dtypes, non-negative
 * shapes, and {@code data_offsets} that match {@code dtype * shape}, lie inside the data section, and cover it exactly,
 * without overlaps or holes. Any failure is an {@link InvalidTensorFileException} naming the file and the problem.
 */
public final class SafetensorsFile {
    /** The largest header accepted, as in the format's reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Name of the optional string-to-string metadata object in the header. */
    public static final String METADATA_KEY = "__metadata__";

    /** Bytes mapped at once when reading a tensor (a multiple of every item size). */
    static final int DEFAULT_CHUNK = 1 << 30;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final int chunk;

    private SafetensorsFile(Path file, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata,
                            int chunk) {
        this.file = file;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
        this.chunk = chunk;
    }

    /**
     * Opens and validates {@code file}; only the header is read.
     *
     * @throws InvalidTensorFileException if the file is missing, unreadable or not a valid safetensors file
     */
    public static SafetensorsFile open(Path file) {
        return open(file, DEFAULT_CHUNK);
    }

    static SafetensorsFile open(Path file, int chunk) {
        if (Files.isDirectory(file)) {
            throw new InvalidTensorFileException(file, "is a directory, expected a .safetensors file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new InvalidTensorFileException(file, "truncated: " + size
                        + " bytes, fewer than the 8-byte header length a safetensors file starts with");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long n = len.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new InvalidTensorFileException(file, "header too long: the first 8 bytes declare "
                        + Long.toUnsignedString(n) + " header bytes, more than the " + MAX_HEADER_BYTES
                        + " allowed (not a safetensors file?)");
            }
            if (n > size - 8) {
                throw new InvalidTensorFileException(file, "truncated: the header declares " + n + " bytes but only "
                        + (size - 8) + " follow the 8-byte length");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            return parse(file, header.array(), 8 + n, size - 8 - n, chunk);
        } catch (NoSuchFileException e) {
            throw new InvalidTensorFileException(file, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new InvalidTensorFileException(file, "cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new InvalidTensorFileException(file, "cannot be read: " + e, e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static SafetensorsFile parse(Path file, byte[] header, long dataStart, long dataLen, int chunk) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw new InvalidTensorFileException(file, "bad JSON in the header: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidTensorFileException(file, "bad JSON in the header: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidTensorFileException(file, "bad header: expected a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA_KEY)) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), readEntry(file, e.getKey(), e.getValue()));
            }
        }
        checkOffsets(file, tensors.values(), dataLen);
        return new SafetensorsFile(file, dataStart, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata), chunk);
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw new InvalidTensorFileException(file, "bad header: " + METADATA_KEY + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new InvalidTensorFileException(file, "bad header: " + METADATA_KEY + " value of \"" + m.getKey()
                        + "\" is not a string");
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static TensorInfo readEntry(Path file, String name, JsonNode node) {
        String where = "tensor \"" + name + "\"";
        if (!node.isObject()) {
            throw new InvalidTensorFileException(file, "bad header: " + where + " is not an object");
        }
        JsonNode dt = node.get("dtype");
        JsonNode sh = node.get("shape");
        JsonNode off = node.get("data_offsets");
        if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray()) {
            throw new InvalidTensorFileException(file, "bad header: " + where
                    + " needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" (array of two)");
        }
        DType dtype = DType.byId(dt.textValue());
        if (dtype == null) {
            throw new InvalidTensorFileException(file, where + " has unknown dtype \"" + dt.textValue() + "\"; known: "
                    + Arrays.toString(DType.values()).toUpperCase(java.util.Locale.ROOT));
        }
        int[] shape = new int[sh.size()];
        for (int k = 0; k < shape.length; k++) {
            JsonNode d = sh.get(k);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0) {
                throw new InvalidTensorFileException(file, "bad header: " + where + " has shape " + sh
                        + "; dimensions must be non-negative integers below 2^31");
            }
            shape[k] = d.intValue();
        }
        if (off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()
                || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
            throw new InvalidTensorFileException(file, "bad header: " + where + " has data_offsets " + off
                    + "; expected [begin, end]");
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (begin < 0 || end < begin) {
            throw new InvalidTensorFileException(file, "bad header: " + where + " has data_offsets [" + begin + ", " + end
                    + "]; expected 0 <= begin <= end");
        }
        long need;
        try {
            need = Math.multiplyExact(Tensor.elements(shape), dtype.itemSize());
        } catch (ArithmeticException ex) {
            throw new InvalidTensorFileException(file, "bad header: " + where + " has shape " + Arrays.toString(shape)
                    + ", too many elements");
        }
        if (end - begin != need) {
            throw new InvalidTensorFileException(file, where + " has data_offsets [" + begin + ", " + end + "] holding "
                    + (end - begin) + " bytes, but dtype " + dtype.id() + " and shape " + Arrays.toString(shape)
                    + " need " + need);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkOffsets(Path file, java.util.Collection<TensorInfo> infos, long dataLen) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long pos = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.end() > dataLen) {
                throw new InvalidTensorFileException(file, "truncated: tensor \"" + t.name() + "\" ends at byte "
                        + t.end() + " of the data section, which has only " + dataLen + " bytes");
            }
            if (t.begin() < pos) {
                throw new InvalidTensorFileException(file, "overlapping offsets: tensor \"" + t.name() + "\" ["
                        + t.begin() + ", " + t.end() + ") overlaps \"" + prev.name() + "\" [" + prev.begin() + ", "
                        + prev.end() + ")");
            }
            if (t.begin() > pos) {
                throw new InvalidTensorFileException(file, "bad offsets: " + (t.begin() - pos)
                        + " unindexed bytes before tensor \"" + t.name() + "\" at " + t.begin()
                        + " (the data section must be covered without holes)");
            }
            pos = t.end();
            prev = t;
        }
        if (pos != dataLen) {
            throw new InvalidTensorFileException(file, "bad offsets: the tensors cover " + pos
                    + " bytes but the data section has " + dataLen + " (trailing bytes after the last tensor)");
        }
    }

    /** The file this was read from. */
    public Path path() {
        return file;
    }

    /** The header's {@code __metadata__} (empty if it had none), in file order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** All header entries, in header order. */
    public List<TensorInfo> tensors() {
        return List.copyOf(tensors.values());
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The header entry of {@code name}.
     *
     * @throws InvalidInputException if the file has no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new InvalidInputException(file + " has no tensor \"" + name + "\"");
        }
        return t;
    }

    /** Reads tensor {@code name} through a memory mapping of its bytes. */
    public Tensor read(String name) {
        TensorInfo t = info(name);
        long n = t.size();
        if (n > Integer.MAX_VALUE - 8) {
            throw new InvalidTensorFileException(file, "tensor \"" + name + "\" has " + n
                    + " elements, more than one Java array holds (2^31 - 9); it cannot be read as one array");
        }
        Object data = java.lang.reflect.Array.newInstance(t.dtype().arrayType().getComponentType(), (int) n);
        int item = t.dtype().itemSize();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long p = 0; p < t.bytes(); p += chunk) {
                int len = (int) Math.min(chunk, t.bytes() - p);
                MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + p, len);
                mb.order(ByteOrder.LITTLE_ENDIAN);
                decode(mb, data, (int) (p / item), len / item);
            }
        } catch (IOException e) {
            throw new InvalidTensorFileException(file, "cannot read tensor \"" + name + "\": " + e, e);
        }
        return new Tensor(t.dtype(), t.shape(), data);
    }

    /**
     * Reads a 2-D float tensor as a matrix (F32, F16 and BF16 as {@link Matrix.F32}, F64 as {@link Matrix.F64}).
     *
     * @throws InvalidInputException if the tensor is missing, not 2-D or not a float type
     */
    public Matrix readMatrix(String name) {
        try {
            return read(name).toMatrix();
        } catch (InvalidTensorFileException e) {
            throw e;
        } catch (InvalidInputException e) {
            throw new InvalidInputException(file + ", tensor \"" + name + "\": " + e.getMessage());
        }
    }

    /** The raw bytes of tensor {@code name}, copied from a mapping of the file when written (for copying unchanged). */
    public TensorBytes bytes(String name) {
        TensorInfo t = info(name);
        return new TensorBytes() {
            @Override
            public long size() {
                return t.bytes();
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                byte[] buf = new byte[1 << 16];
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    for (long p = 0; p < t.bytes(); p += chunk) {
                        int len = (int) Math.min(chunk, t.bytes() - p);
                        MappedByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin() + p, len);
                        while (mb.hasRemaining()) {
                            int k = Math.min(buf.length, mb.remaining());
                            mb.get(buf, 0, k);
                            out.write(buf, 0, k);
                        }
                    }
                }
            }
        };
    }

    private static void decode(ByteBuffer b, Object data, int off, int count) {
        if (data instanceof float[] f) {
            b.asFloatBuffer().get(f, off, count);
        } else if (data instanceof double[] d) {
            b.asDoubleBuffer().get(d, off, count);
        } else if (data instanceof short[] s) {
            b.asShortBuffer().get(s, off, count);
        } else if (data instanceof int[] i) {
            b.asIntBuffer().get(i, off, count);
        } else if (data instanceof long[] l) {
            b.asLongBuffer().get(l, off, count);
        } else {
            b.get((byte[]) data, off, count);
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile(" + file + ", " + tensors.size() + " tensors)";
    }
}
