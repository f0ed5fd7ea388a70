package io.comq.calibration;

import io.comq.tensor.Matrix;
import java.util.function.Consumer;

/**
 * The one place of im2col index arithmetic. A patch row for output position {@code (n, oy, ox)} of group {@code g}
 * lists, for each channel {@code c} of the group, each kernel row {@code ky} and column {@code kx}, the input
 * {@code x[n, g*C/groups + c, oy*sh - padTop + ky*dh, ox*sw - padLeft + kx*dw]} (zero outside the image), at column
 * {@code (c*kh + ky)*kw + kx}: the row order of a conv weight {@code (out, C/groups, kh, kw)} reshaped to
 * {@code (C/groups*kh*kw, out)}.
 */
final class Im2col {
    private Im2col() {
    }

    /**
     * Streams the patches of one group in chunks of at most {@code maxRows} rows.
     *
     * @param x activation {@code (n, c, h, w)} in C order
     * @param geometry the conv; automatic padding is resolved for this {@code h x w}
     */
    static void patches(float[] x, int n, int h, int w, ConvGeometry geometry, int group, int maxRows,
                        Consumer<Matrix.F32> sink) {
        ConvGeometry g = geometry.forInput(h, w);
        int c = g.inChannels();
        int cg = g.channelsPerGroup();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int oh = g.outH(h);
        int ow = g.outW(w);
        if (oh <= 0 || ow <= 0) {
            return;
        }
        int in = g.patchSize();
        long total = (long) n * oh * ow;
        int chunk = (int) Math.min(total, Math.max(1, maxRows));
        float[] buf = new float[chunk * in];
        int rows = 0;
        for (int b = 0; b < n; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int base = rows * in;
                    for (int ci = 0; ci < cg; ci++) {
                        int plane = (b * c + group * cg + ci) * h * w;
                        for (int ky = 0; ky < kh; ky++) {
                            int iy = oy * g.strideH() - g.padTop() + ky * g.dilationH();
                            int col = base + (ci * kh + ky) * kw;
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = ox * g.strideW() - g.padLeft() + kx * g.dilationW();
                                buf[col + kx] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[plane + iy * w + ix] : 0f;
                            }
                        }
                    }
                    if (++rows == chunk) {
                        sink.accept(new Matrix.F32(rows, in, buf));
                        buf = new float[chunk * in];
                        rows = 0;
                    }
                }
            }
        }
        if (rows > 0) {
            float[] last = new float[rows * in];
            System.arraycopy(buf, 0, last, 0, last.length);
            sink.accept(new Matrix.F32(rows, in, last));
        }
    }
}
