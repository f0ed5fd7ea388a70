package io.comq.kernel;

/**
 * The one place that knows how a layer's arrays are laid out in kernel state. Everything is channel-major: output
 * channel {@code j}'s column of {@code W}, {@code Q}, {@code Z} and {@code G} is contiguous, which is what the per-channel
 * sweep reads; {@code H} is {@code (in, in)} row-major and symmetric, so row {@code i} doubles as column {@code i}.
 *
 * @param in           input size (rows of W)
 * @param out          output channels (columns of W)
 * @param rowsPerGroup consecutive input rows sharing one grid; {@code in} when per-channel
 */
public record Layout(int in, int out, int rowsPerGroup) {
    public Layout {
        if (in <= 0 || out <= 0 || rowsPerGroup <= 0 || in % rowsPerGroup != 0) {
            throw new IllegalArgumentException("bad layout in=" + in + " out=" + out + " rowsPerGroup=" + rowsPerGroup);
        }
        if ((long) in * out > Integer.MAX_VALUE || (long) in * in > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("layer too large for one array: in=" + in + " out=" + out);
        }
    }

    /** Groups per channel. */
    public int groups() {
        return in / rowsPerGroup;
    }

    /** Index of element {@code (i, j)} of an {@code (in, out)} matrix stored channel-major. */
    public int at(int j, int i) {
        return j * in + i;
    }

    /** Index of the grid (scale, lo, hi) that element {@code (i, j)} uses. */
    public int grid(int j, int i) {
        return j * groups() + i / rowsPerGroup;
    }

    /** Index of element {@code (i, k)} of H. */
    public int h(int i, int k) {
        return i * in + k;
    }

    /** Multiply-adds of one full sweep with every coordinate changing: {@code in^2 * out}. */
    public long sweepMacs() {
        return (long) in * in * out;
    }
}
