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

    /*
     * Every index of the kernel state is computed here, and every method takes the output channel first, as the state
     * is stored: at(channel, input) and grid(channel, input) for the (in, out) layer matrices W, Q, Z, G (element
     * W[input][channel] of the layer's W), h(row, col) for H (symmetric, so h(a, b) and h(b, a) hold the same value).
     */

    /** Index of {@code W[input][channel]} (also Q, Z, G): the channel's contiguous column, then the input. */
    public int at(int channel, int input) {
        return channel * in + input;
    }

    /** Index of the first element of {@code channel}'s column: {@code at(channel, 0)}. */
    public int column(int channel) {
        return at(channel, 0);
    }

    /** Index of the grid (scale, lo, hi) that {@code W[input][channel]} uses. */
    public int grid(int channel, int input) {
        return channel * groups() + input / rowsPerGroup;
    }

    /** Index of {@code H[row][col]}, row-major. */
    public int h(int row, int col) {
        return row * in + col;
    }

    /** Index of the first element of row {@code row} of H: {@code h(row, 0)}. */
    public int hRow(int row) {
        return h(row, 0);
    }

    /** Multiply-adds of one full sweep with every coordinate changing: {@code in^2 * out}. */
    public long sweepMacs() {
        return (long) in * in * out;
    }
}
