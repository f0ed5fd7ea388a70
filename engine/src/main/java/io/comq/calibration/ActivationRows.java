package io.comq.calibration;

import io.comq.error.InvalidModelException;
import io.comq.tensor.Matrix;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns one batch's activation of a target into rows of {@code X} and feeds them to the target's accumulators:
 * flattened leading dimensions for MatMul/Gemm (padded rows left out when a row mask applies), im2col patches per group
 * for a conv.
 */
final class ActivationRows {
    private ActivationRows() {
    }

    /**
     * @param mask {@code (batch, sequence)} padding mask of this batch (non-zero = real token), or {@code null}
     */
    static void accumulate(CalibrationTarget t, float[] x, long[] shape, long[][] mask, int chunkRows,
                           List<GramAccumulator> accs) {
        if (t.conv() == null) {
            dense(t, x, shape, mask, chunkRows, accs.get(0));
        } else {
            conv(t, x, shape, chunkRows, accs);
        }
    }

    /**
     * Rows {@code [a | b]}: each row of {@code a} followed by the same row of {@code b}, both {@code (..., in)} of
     * this MatMul/Gemm target's {@code shape}.
     */
    static float[] sideBySide(CalibrationTarget t, float[] a, float[] b, long[] shape) {
        int in = t.in();
        if (shape.length == 0 || shape[shape.length - 1] != in || a.length != b.length) {
            throw new InvalidModelException("layer '" + t.layerName() + "' reads tensor '" + t.activationTensor()
                    + "' of shape " + java.util.Arrays.toString(shape) + " in one model but of " + b.length
                    + " values in the float model");
        }
        int rows = a.length / in;
        float[] out = new float[2 * a.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, r * in, out, 2 * r * in, in);
            System.arraycopy(b, r * in, out, (2 * r + 1) * in, in);
        }
        return out;
    }

    /** {@code shape} with its last axis doubled (the shape of {@link #sideBySide}'s rows). */
    static long[] widened(long[] shape) {
        long[] w = shape.clone();
        w[w.length - 1] *= 2;
        return w;
    }

    private static void dense(CalibrationTarget t, float[] x, long[] shape, long[][] mask, int chunkRows,
                              GramAccumulator acc) {
        int in = t.in();
        if (shape.length == 0 || shape[shape.length - 1] != in) {
            throw new InvalidModelException("layer '" + t.layerName() + "' has " + in + " inputs but its input tensor '"
                    + t.activationTensor() + "' has shape " + java.util.Arrays.toString(shape));
        }
        int rows = x.length / in;
        boolean[] keep = rowMask(shape, mask, rows);
        float[] buf = new float[Math.min(rows, chunkRows) * in];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            if (keep != null && !keep[r]) {
                continue;
            }
            System.arraycopy(x, r * in, buf, n * in, in);
            if (++n * in == buf.length) {
                acc.add(new Matrix.F32(n, in, buf));
                buf = new float[buf.length];
                n = 0;
            }
        }
        if (n > 0) {
            float[] last = new float[n * in];
            System.arraycopy(buf, 0, last, 0, last.length);
            acc.add(new Matrix.F32(n, in, last));
        }
    }

    /**
     * Which flattened rows are real tokens: applies when the activation is {@code (batch, sequence, ..., in)} or
     * {@code (batch*sequence, in)} for the mask's batch and sequence; {@code null} (keep all) otherwise.
     */
    static boolean[] rowMask(long[] shape, long[][] mask, int rows) {
        if (mask == null || mask.length == 0) {
            return null;
        }
        int b = mask.length;
        int s = mask[0].length;
        int perToken;
        if (shape.length >= 3 && shape[0] == b && shape[1] == s) {
            perToken = rows / (b * s);
        } else if (shape.length == 2 && shape[0] == (long) b * s && s > 1) {
            perToken = 1;
        } else {
            return null;
        }
        boolean[] keep = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            int token = r / perToken;
            keep[r] = mask[token / s][token % s] != 0;
        }
        return keep;
    }

    private static void conv(CalibrationTarget t, float[] x, long[] shape, int chunkRows, List<GramAccumulator> accs) {
        ConvGeometry g = t.conv();
        int n;
        int h;
        int w;
        if (shape.length == 4) {
            n = (int) shape[0];
            h = (int) shape[2];
            w = (int) shape[3];
        } else if (shape.length == 3 && g.kernelH() == 1 && g.strideH() == 1 && g.padTop() == 0 && g.padBottom() == 0) {
            n = (int) shape[0];
            h = 1;
            w = (int) shape[2];
        } else {
            throw new InvalidModelException("conv layer '" + t.layerName() + "' reads '" + t.activationTensor()
                    + "' of shape " + java.util.Arrays.toString(shape) + "; expected (N, C, H, W) or (N, C, L)");
        }
        if (shape[1] != g.inChannels()) {
            throw new InvalidModelException("conv layer '" + t.layerName() + "' expects " + g.inChannels()
                    + " input channels but '" + t.activationTensor() + "' has shape " + java.util.Arrays.toString(shape));
        }
        for (int grp = 0; grp < g.groups(); grp++) {
            GramAccumulator acc = accs.get(grp);
            Consumer<Matrix.F32> sink = acc::add;
            Im2col.patches(x, n, h, w, g, grp, chunkRows, sink);
        }
    }
}
