package io.comq.format.npy;

import io.comq.format.npy.NpyArray.DType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Reads and writes one {@code .npy} byte stream (magic, version, header, data); files and zip entries build on it. */
final class NpyStreams {
    private NpyStreams() {
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy pads headers so that the data starts on a multiple of this. */
    private static final int ALIGN = 64;
    /** Headers longer than this are refused as corrupt (numpy's own are under 200 bytes). */
    private static final int MAX_HEADER = 1 << 20;
    /** Bytes converted per chunk; a multiple of every item size. */
    private static final int CHUNK = 1 << 16;

    /**
     * Reads one array.
     *
     * @param in        the stream, positioned at the magic bytes
     * @param available bytes the stream holds in all, or -1 if unknown (used to refuse truncated data before allocating)
     */
    static NpyArray read(InputStream in, long available) throws IOException, NpyFormatException {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (magic.length == 0) {
            throw new NpyFormatException("the file is empty, not a .npy file");
        }
        for (int k = 0; k < MAGIC.length; k++) {
            if (k >= magic.length || magic[k] != MAGIC[k]) {
                throw new NpyFormatException(magic.length < MAGIC.length && startsLikeMagic(magic)
                        ? "the file is truncated: it ends inside the .npy magic bytes"
                        : "not a .npy file: it does not start with the magic bytes \\x93NUMPY");
            }
        }
        int major = readByte(in, "the format version");
        int minor = readByte(in, "the format version");
        int lengthBytes;
        if (major == 1) {
            lengthBytes = 2;
        } else if (major == 2 || major == 3) {
            lengthBytes = 4;
        } else {
            throw new NpyFormatException("unsupported .npy format version " + major + "." + minor
                    + ": this reader knows versions 1.0, 2.0 and 3.0");
        }
        long headerLen = 0;
        for (int k = 0; k < lengthBytes; k++) {
            headerLen |= (long) readByte(in, "the header length") << (8 * k);
        }
        if (headerLen > MAX_HEADER) {
            throw new NpyFormatException("the .npy header claims " + headerLen + " bytes, which is not plausible; "
                    + "the file is corrupt");
        }
        byte[] headerBytes = in.readNBytes((int) headerLen);
        if (headerBytes.length < headerLen) {
            throw new NpyFormatException("the file is truncated: it ends inside the .npy header");
        }
        String text = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header = NpyHeader.parse(text);
        int count = header.count();
        long dataBytes = (long) count * header.dtype().itemSize();
        long prefix = MAGIC.length + 2L + lengthBytes + headerLen;
        if (available >= 0 && available - prefix < dataBytes) {
            throw truncated(header, Math.max(0, available - prefix), dataBytes);
        }
        Object data = readData(in, header, count, dataBytes);
        if (header.fortranOrder() && header.shape().length > 1) {
            data = FortranOrder.toC(data, header.dtype(), header.shape());
        }
        return new NpyArray(header.shape(), header.dtype(), data);
    }

    private static boolean startsLikeMagic(byte[] partial) {
        for (int k = 0; k < partial.length; k++) {
            if (partial[k] != MAGIC[k]) {
                return false;
            }
        }
        return true;
    }

    private static int readByte(InputStream in, String what) throws IOException, NpyFormatException {
        int b = in.read();
        if (b < 0) {
            throw new NpyFormatException("the file is truncated: it ends inside " + what);
        }
        return b;
    }

    private static NpyFormatException truncated(NpyHeader h, long have, long need) {
        return new NpyFormatException("the file is truncated: the header declares shape " + NpyArray.shapeString(h.shape())
                + " of " + h.dtype().numpyName() + " (" + need + " data bytes) but only " + have + " bytes follow");
    }

    private static Object readData(InputStream in, NpyHeader h, int count, long dataBytes)
            throws IOException, NpyFormatException {
        DType t = h.dtype();
        Object out = java.lang.reflect.Array.newInstance(t.arrayType().getComponentType(), count);
        byte[] buf = new byte[CHUNK];
        int size = t.itemSize();
        long done = 0;
        int off = 0;
        while (done < dataBytes) {
            int want = (int) Math.min(CHUNK, dataBytes - done);
            int got = in.readNBytes(buf, 0, want);
            if (got < want) {
                throw truncated(h, done + got, dataBytes);
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, got).order(h.order());
            int k = got / size;
            switch (t) {
                case FLOAT32 -> bb.asFloatBuffer().get((float[]) out, off, k);
                case FLOAT64 -> bb.asDoubleBuffer().get((double[]) out, off, k);
                case INT32 -> bb.asIntBuffer().get((int[]) out, off, k);
                case INT64 -> bb.asLongBuffer().get((long[]) out, off, k);
                case INT16, FLOAT16 -> bb.asShortBuffer().get((short[]) out, off, k);
                case INT8, UINT8, BOOL -> System.arraycopy(buf, 0, out, off, k);
            }
            off += k;
            done += got;
        }
        if (t == DType.BOOL) {
            byte[] b = (byte[]) out;
            for (int i = 0; i < b.length; i++) {
                b[i] = b[i] != 0 ? (byte) 1 : 0;
            }
        }
        return out;
    }

    /** Writes one array: version 1.0 (2.0 if the header needs it), little-endian, C order. */
    static void write(OutputStream out, NpyArray a) throws IOException {
        String dict = NpyHeader.format(a.dtype(), a.shape());
        int major = 1;
        int prefix = MAGIC.length + 2 + 2;
        int total = padded(prefix + dict.length() + 1);
        if (total - prefix > 0xFFFF) {
            major = 2;
            prefix = MAGIC.length + 2 + 4;
            total = padded(prefix + dict.length() + 1);
        }
        int headerLen = total - prefix;
        StringBuilder header = new StringBuilder(headerLen).append(dict);
        while (header.length() < headerLen - 1) {
            header.append(' ');
        }
        header.append('\n');
        out.write(MAGIC);
        out.write(major);
        out.write(0);
        ByteBuffer len = ByteBuffer.allocate(major == 1 ? 2 : 4).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            len.putShort((short) headerLen);
        } else {
            len.putInt(headerLen);
        }
        out.write(len.array());
        out.write(header.toString().getBytes(StandardCharsets.ISO_8859_1));
        writeData(out, a);
    }

    private static int padded(int n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    private static void writeData(OutputStream out, NpyArray a) throws IOException {
        DType t = a.dtype();
        int count = (int) a.size();
        int size = t.itemSize();
        int perChunk = CHUNK / size;
        byte[] buf = new byte[CHUNK];
        for (int off = 0; off < count; off += perChunk) {
            int k = Math.min(perChunk, count - off);
            ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            switch (t) {
                case FLOAT32 -> bb.asFloatBuffer().put((float[]) a.data(), off, k);
                case FLOAT64 -> bb.asDoubleBuffer().put((double[]) a.data(), off, k);
                case INT32 -> bb.asIntBuffer().put((int[]) a.data(), off, k);
                case INT64 -> bb.asLongBuffer().put((long[]) a.data(), off, k);
                case INT16, FLOAT16 -> bb.asShortBuffer().put((short[]) a.data(), off, k);
                case INT8, UINT8, BOOL -> System.arraycopy(a.data(), off, buf, 0, k);
            }
            out.write(buf, 0, k * size);
        }
    }
}
