package io.comq.quant;

import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.tensor.Matrix;

/**
 * The fitted grid of a layer: one {@code (scale, lo, hi)} per (group, output channel), stored row-major
 * {@code (groups, out)} as in {@link LayerResult}. Fitting follows COMQ.md "Quantization grid".
 *
 * @param groups       groups along the input dimension (1 when per-channel)
 * @param out          output channels
 * @param rowsPerGroup input rows per group
 * @param scale        {@code (groups, out)} scales
 * @param lo           {@code (groups, out)} lowest codes
 * @param hi           {@code (groups, out)} highest codes
 */
public record QuantGrid(int groups, int out, int rowsPerGroup, double[] scale, int[] lo, int[] hi) {

    /** The grid of one (group, channel). */
    public record Cell(double scale, int lo, int hi) {
    }

    /** An empty grid of the given geometry, to be filled with {@link #set}. */
    public static QuantGrid empty(int in, int out, GridSpec spec) {
        int groups = spec.groups(in);
        int n = groups * out;
        return new QuantGrid(groups, out, spec.rowsPerGroup(in), new double[n], new int[n], new int[n]);
    }

    /** Fits every (group, channel) of {@code W (in, out)} on its own weights. */
    public static QuantGrid fit(Matrix W, GridSpec spec) {
        QuantGrid g = empty(W.rows(), W.cols(), spec);
        double[] values = new double[g.rowsPerGroup];
        for (int group = 0; group < g.groups; group++) {
            int r0 = group * g.rowsPerGroup;
            for (int j = 0; j < g.out; j++) {
                for (int i = r0; i < r0 + g.rowsPerGroup; i++) {
                    values[i - r0] = W.get(i, j);
                }
                g.set(group, j, cell(values, values.length, spec));
            }
        }
        return g;
    }

    /** The grid of the first {@code n} weights of {@code values}: {@link #cell(double, double, GridSpec)} on their
     * range, or for {@link Grid#SYM_MSE} the scale with the least squared rounding error. */
    public static Cell cell(double[] values, int n, GridSpec spec) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            min = Math.min(min, values[k]);
            max = Math.max(max, values[k]);
        }
        Cell full = cell(min, max, spec);
        return spec.grid() == Grid.SYM_MSE && (min != 0 || max != 0) ? searchScale(values, n, full, spec) : full;
    }

    /** Steps of the sym-mse scale search. */
    static final int MSE_STEPS = 50;

    /** {@code argmin_scale sum (w - scale * clip(round(w / scale), lo, hi))^2} over the sym-mse candidates. */
    private static Cell searchScale(double[] values, int n, Cell full, GridSpec spec) {
        int half = 1 << (spec.bits() - 1);
        double top = full.scale() * half / (half - 1); // the largest positive weight lands on hi
        double best = Double.POSITIVE_INFINITY;
        double bestScale = top;
        for (int k = 0; k < MSE_STEPS; k++) {
            double s = top * (1 - 0.01 * k);
            double err = 0;
            for (int t = 0; t < n && err < best; t++) {
                double d = values[t] - s * clip(spec.tie().round(values[t] / s), full.lo(), full.hi());
                err += d * d;
            }
            if (err < best) {
                best = err;
                bestScale = s;
            }
        }
        return new Cell(bestScale, full.lo(), full.hi());
    }

    /**
     * The grid for weights spanning {@code [min, max]}: sym-maxabs, sym-restricted or asym-minmax, with the ratio
     * multiplying the scale. For asym-minmax {@code lo = round_half_even(min / s0)} with the scale {@code s0} before
     * the ratio (as the authors' code, checked against the {@code official_asym} vectors). All-zero weights get scale
     * 1; a constant non-zero asymmetric range is widened to include 0 so the scale is never 0.
     */
    public static Cell cell(double min, double max, GridSpec spec) {
        int b = spec.bits();
        double maxAbs = Math.max(Math.abs(min), Math.abs(max));
        if (maxAbs == 0) {
            return spec.grid() == Grid.ASYM_MINMAX ? new Cell(1.0, 0, (1 << b) - 1) : symmetric(1.0, spec);
        }
        switch (spec.grid()) {
            case SYM_MAXABS:
            case SYM_MSE:
                return symmetric(spec.ratio() * maxAbs / (1 << (b - 1)), spec);
            case SYM_RESTRICTED:
                return symmetric(spec.ratio() * maxAbs / ((1 << (b - 1)) - 1), spec);
            case ASYM_MINMAX:
            default:
                if (max == min) {
                    min = Math.min(min, 0);
                    max = Math.max(max, 0);
                }
                double s0 = (max - min) / ((1 << b) - 1);
                int lo = (int) Math.rint(min / s0);
                return new Cell(spec.ratio() * s0, lo, lo + (1 << b) - 1);
        }
    }

    private static Cell symmetric(double scale, GridSpec spec) {
        int half = 1 << (spec.bits() - 1);
        int lo = spec.grid() == Grid.SYM_RESTRICTED ? -(half - 1) : -half;
        return new Cell(scale, lo, half - 1);
    }

    /** Index of (group, channel) in the row-major {@code (groups, out)} arrays. */
    public int at(int group, int j) {
        return group * out + j;
    }

    /** Group of input row {@code i}. */
    public int groupOf(int i) {
        return i / rowsPerGroup;
    }

    public void set(int group, int j, Cell c) {
        int k = at(group, j);
        scale[k] = c.scale();
        lo[k] = c.lo();
        hi[k] = c.hi();
    }

    /** {@code clip(round(w / scale), lo, hi)} for weight {@code w} at input row {@code i}, channel {@code j}. */
    public int code(double w, int i, int j, TieRule tie) {
        int k = at(groupOf(i), j);
        return clip(tie.round(w / scale[k]), lo[k], hi[k]);
    }

    /** Dequantized value of code {@code z} at input row {@code i}, channel {@code j}. */
    public double value(int z, int i, int j) {
        return scale[at(groupOf(i), j)] * z;
    }

    /** Clips a rounded value into {@code [lo, hi]}. */
    public static int clip(double rounded, int lo, int hi) {
        return rounded < lo ? lo : rounded > hi ? hi : (int) rounded;
    }

    /** Scales as a {@code (groups, out)} matrix. */
    public Matrix.F64 scaleMatrix() {
        return new Matrix.F64(groups, out, scale.clone());
    }

    /** Dequantizes row-major codes {@code (in, out)} into {@code Wq (in, out)} in the given precision. */
    public Matrix dequantize(int[] codes, Precision precision) {
        int in = codes.length / out;
        if (precision == Precision.FLOAT64) {
            double[] wq = new double[codes.length];
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    wq[i * out + j] = value(codes[i * out + j], i, j);
                }
            }
            return new Matrix.F64(in, out, wq);
        }
        float[] wq = new float[codes.length];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                wq[i * out + j] = (float) value(codes[i * out + j], i, j);
            }
        }
        return new Matrix.F32(in, out, wq);
    }
}
