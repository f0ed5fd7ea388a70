package io.comq.calibration.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.error.InvalidTensorFileException;
import io.comq.format.npy.NpyArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal reader of single-file safetensors for calibration sets: an 8-byte little-endian header length, a JSON
 * header mapping each name to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the
 * header), then the raw little-endian data. Reads F32, F64, F16 (kept as float16 bits), BF16 (widened to float32), I64,
 * I32, I16, I8, U8 and BOOL. Kept private to the calibration-data package on purpose: a general safetensors package is
 * written elsewhere and this one must not collide with it.
 */
final class SafetensorsReader {
    private SafetensorsReader() {
    }

    private static final long MAX_HEADER = 100L << 20;

    /** Every tensor of the file, in the order of its data. */
    static Map<String, NpyArray> read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "is " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw bad(file, "declares a header of " + headerLen + " bytes in a file of " + size
                        + " bytes: not a safetensors file");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8, file);
            JsonNode root;
            try {
                root = new ObjectMapper().readTree(new String(header.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw bad(file, "has a header that is not JSON: " + e.getMessage());
            }
            if (root == null || !root.isObject()) {
                throw bad(file, "has a header that is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!f.getKey().equals("__metadata__")) {
                    entries.add(entry(file, f.getKey(), f.getValue(), dataLen));
                }
            }
            entries.sort(Comparator.comparingLong(Entry::begin));
            Map<String, NpyArray> out = new LinkedHashMap<>();
            for (Entry e : entries) {
                long bytes = e.end - e.begin;
                if (bytes > Integer.MAX_VALUE - 16) {
                    throw bad(file, "tensor '" + e.name + "' has " + bytes + " bytes, more than one array can hold");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + e.begin, file);
                out.put(e.name, decode(e, buf));
            }
            return out;
        } catch (NoSuchFileException e) {
            throw bad(file, "does not exist");
        } catch (IOException e) {
            throw new InvalidTensorFileException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    private record Entry(String name, String dtype, int[] shape, long count, long begin, long end) {
    }

    private static Entry entry(Path file, String name, JsonNode n, long dataLen) {
        JsonNode dt = n.get("dtype");
        JsonNode sh = n.get("shape");
        JsonNode off = n.get("data_offsets");
        if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray()
                || off.size() != 2) {
            throw bad(file, "tensor '" + name + "' needs dtype, shape and data_offsets [begin, end] in the header");
        }
        int[] shape = new int[sh.size()];
        long count = 1;
        for (int k = 0; k < shape.length; k++) {
            long d = sh.get(k).asLong(-1);
            if (!sh.get(k).canConvertToLong() || d < 0 || d > Integer.MAX_VALUE) {
                throw bad(file, "tensor '" + name + "' has an invalid dimension " + sh.get(k));
            }
            shape[k] = (int) d;
            count = Math.multiplyExact(count, d);
        }
        String dtype = dt.asText();
        int item = itemSize(file, name, dtype);
        long begin = off.get(0).asLong(-1);
        long end = off.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataLen) {
            throw bad(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] outside the "
                    + dataLen + " data bytes");
        }
        if (end - begin != count * item) {
            throw bad(file, "tensor '" + name + "' of dtype " + dtype + " and shape " + NpyArray.shapeString(shape)
                    + " needs " + count * item + " bytes, its data_offsets span " + (end - begin));
        }
        return new Entry(name, dtype, shape, count, begin, end);
    }

    private static int itemSize(Path file, String name, String dtype) {
        switch (dtype) {
            case "F64":
            case "I64":
                return 8;
            case "F32":
            case "I32":
                return 4;
            case "F16":
            case "BF16":
            case "I16":
                return 2;
            case "I8":
            case "U8":
            case "BOOL":
                return 1;
            default:
                throw bad(file, "tensor '" + name + "' has dtype " + dtype
                        + ", which calibration sets do not support (use F32, F16, BF16, F64, I64, I32, I16, I8, U8 or BOOL)");
        }
    }

    private static NpyArray decode(Entry e, ByteBuffer b) {
        int n = (int) e.count;
        switch (e.dtype) {
            case "F32": {
                float[] a = new float[n];
                b.asFloatBuffer().get(a);
                return new NpyArray(e.shape, NpyArray.DType.FLOAT32, a);
            }
            case "F64": {
                double[] a = new double[n];
                b.asDoubleBuffer().get(a);
                return new NpyArray(e.shape, NpyArray.DType.FLOAT64, a);
            }
            case "F16": {
                short[] a = new short[n];
                b.asShortBuffer().get(a);
                return new NpyArray(e.shape, NpyArray.DType.FLOAT16, a);
            }
            case "BF16": {
                float[] a = new float[n];
                for (int k = 0; k < n; k++) {
                    a[k] = Float.intBitsToFloat((b.getShort(2 * k) & 0xFFFF) << 16);
                }
                return new NpyArray(e.shape, NpyArray.DType.FLOAT32, a);
            }
            case "I64": {
                long[] a = new long[n];
                b.asLongBuffer().get(a);
                return new NpyArray(e.shape, NpyArray.DType.INT64, a);
            }
            case "I32": {
                int[] a = new int[n];
                b.asIntBuffer().get(a);
                return new NpyArray(e.shape, NpyArray.DType.INT32, a);
            }
            case "I16": {
                short[] a = new short[n];
                b.asShortBuffer().get(a);
                return new NpyArray(e.shape, NpyArray.DType.INT16, a);
            }
            case "I8":
                return new NpyArray(e.shape, NpyArray.DType.INT8, b.array().clone());
            case "U8":
                return new NpyArray(e.shape, NpyArray.DType.UINT8, b.array().clone());
            default:
                return new NpyArray(e.shape, NpyArray.DType.BOOL, b.array().clone());
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, p);
            if (r < 0) {
                throw bad(file, "ends before its declared data");
            }
            p += r;
        }
        buf.flip();
    }

    private static InvalidTensorFileException bad(Path file, String problem) {
        return new InvalidTensorFileException(file, problem);
    }
}
