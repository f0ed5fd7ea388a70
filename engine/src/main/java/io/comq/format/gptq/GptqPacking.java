package io.comq.format.gptq;

/**
 * Bit packing of GPTQ checkpoints: unsigned {@code bits}-wide values laid end to end in a little-endian bit stream of
 * 32-bit words, lowest bits first. Value {@code k} of a run occupies bits {@code [k*bits, (k+1)*bits)} of the stream, so
 * 32 values fill exactly {@code bits} words. For 2, 4 and 8 bits no value crosses a word; for 3 bits this is AutoGPTQ's
 * layout, where values 10 and 21 of every 32 straddle two words.
 *
 * <p>{@code qweight} packs along the input dimension (each column of {@code (in, out)} is one stream, giving
 * {@code (in/32*bits, out)}); {@code qzeros} packs along the output dimension (each row of {@code (groups, out)} is one
 * stream, giving {@code (groups, out/32*bits)}).
 */
public final class GptqPacking {
    private GptqPacking() {
    }

    /** Packs {@code u (rows, cols)} along rows into {@code (rows/32*bits, cols)}; {@code rows} must be a multiple of 32. */
    public static int[] packRows(int[] u, int rows, int cols, int bits) {
        check(u.length, rows, cols, rows, bits);
        int[] p = new int[rows / 32 * bits * cols];
        int mask = (1 << bits) - 1;
        for (int r = 0; r < rows; r++) {
            long bit = (long) r * bits;
            int word = (int) (bit >>> 5);
            int shift = (int) (bit & 31);
            for (int c = 0; c < cols; c++) {
                int v = u[r * cols + c];
                if ((v & ~mask) != 0) {
                    throw new IllegalArgumentException("value " + v + " at (" + r + ", " + c + ") is not a " + bits
                            + "-bit unsigned code");
                }
                p[word * cols + c] |= v << shift;
                if (shift + bits > 32) {
                    p[(word + 1) * cols + c] |= v >>> (32 - shift);
                }
            }
        }
        return p;
    }

    /** Inverse of {@link #packRows}: {@code (rows/32*bits, cols)} back to {@code (rows, cols)}. */
    public static int[] unpackRows(int[] p, int rows, int cols, int bits) {
        check(p.length, rows / 32 * bits, cols, rows, bits);
        int[] u = new int[rows * cols];
        int mask = (1 << bits) - 1;
        for (int r = 0; r < rows; r++) {
            long bit = (long) r * bits;
            int word = (int) (bit >>> 5);
            int shift = (int) (bit & 31);
            for (int c = 0; c < cols; c++) {
                int v = p[word * cols + c] >>> shift;
                if (shift + bits > 32) {
                    v |= p[(word + 1) * cols + c] << (32 - shift);
                }
                u[r * cols + c] = v & mask;
            }
        }
        return u;
    }

    /** Packs {@code u (rows, cols)} along columns into {@code (rows, cols/32*bits)}; {@code cols} must be a multiple of 32. */
    public static int[] packCols(int[] u, int rows, int cols, int bits) {
        int[] t = packRows(transpose(u, rows, cols), cols, rows, bits);
        return transpose(t, cols / 32 * bits, rows);
    }

    /** Inverse of {@link #packCols}. */
    public static int[] unpackCols(int[] p, int rows, int cols, int bits) {
        int[] t = transpose(p, rows, cols / 32 * bits);
        return transpose(unpackRows(t, cols, rows, bits), cols, rows);
    }

    private static int[] transpose(int[] a, int rows, int cols) {
        int[] t = new int[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    private static void check(int length, int rows, int cols, int streamLength, int bits) {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException("bits must be 1..8, got " + bits);
        }
        if (streamLength % 32 != 0) {
            throw new IllegalArgumentException("packed dimension " + streamLength + " is not a multiple of 32");
        }
        if ((long) rows * cols != length) {
            throw new IllegalArgumentException("array of " + length + " does not match (" + rows + ", " + cols + ")");
        }
    }
}
