package io.comq.quant.gptq;

import io.comq.quant.method.GptqConfig;
import io.comq.quant.GridSpec;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.quant.QuantGrid;
import io.comq.quant.Quantized;
import io.comq.quant.linalg.DenseMath;
import io.comq.quant.linalg.Linalg;
import io.comq.quant.linalg.WorkMatrix;
import io.comq.quant.rtn.Rtn;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * GPTQ as in the reference {@code fasterquant}, with the layer's {@code W (in, out)}: input row {@code i} of {@code W}
 * is GPTQ's column {@code i}.
 *
 * <ol>
 *   <li>Per-channel grids are fitted on the original {@code W} (so GPTQ shares RTN's grid).</li>
 *   <li>Dead inputs ({@code H_ii = 0}) get {@code H_ii = 1} and {@code W_i = 0}.</li>
 *   <li>act_order permutes inputs by descending {@code H_ii} (stable); codes are returned in the original order.</li>
 *   <li>{@code H += damp * mean(diag H) * I}; {@code U = chol(H^-1)} upper. If that fails the damping is multiplied by
 *       10, up to 3 times; if it still fails the layer falls back to RTN. Both are recorded as guards.</li>
 *   <li>Rows are quantized in blocks of {@code blockSize}: within a block each row's error
 *       {@code (w - q) / U_ii} is fed to the later rows of the block; after the block, the rest of {@code W} is updated
 *       with one GEMM {@code W[i2:] -= U[i1:i2, i2:]^T Err} (OpenBLAS once checked, else plain Java; in the run's precision). The in-block work
 *       runs in float64 on Java arrays, split over output channels (independent in GPTQ) on the common fork-join
 *       pool.</li>
 * </ol>
 *
 * <p>Precision: {@code FLOAT32} runs the factorization and the GEMM updates in float32 (as the reference does on a
 * GPU), {@code FLOAT64} in float64; the float64 path reproduces the reference vectors' {@code gptq_codes}.
 *
 * <p>Grouped grids: without act_order, the grid of a group is fitted on the current (error-updated) weights when its
 * first row is reached, as the reference does. Blocks are cut at group starts so that "current" is exact (the reference
 * reads stale in-block weights when a group starts mid-block; with the usual group size = block size both agree). With
 * act_order, groups are static: fitted before any update on the original row order (the reference's
 * {@code static_groups}), so that each group stays a run of consecutive original rows.
 */
public final class Gptq {
    private Gptq() {
    }

    /** Quantizes {@code W (in, out)} given {@code H (in, in)}, on the process's math. */
    public static Quantized quantize(Matrix W, Matrix H, GptqConfig cfg, ProgressListener listener) {
        return quantize(W, H, cfg, listener, Linalg.process());
    }

    /** Quantizes {@code W (in, out)} given {@code H (in, in)}, on {@code linalg}'s checked math. */
    public static Quantized quantize(Matrix W, Matrix H, GptqConfig cfg, ProgressListener listener, Linalg linalg) {
        int in = W.rows();
        int out = W.cols();
        GridSpec spec = cfg.grid();
        List<String> guards = new ArrayList<>();
        // Factor first, then materialise W: H's copy is garbage by the time W's is made (peak heap ~3x W + H).
        double[] h = freshDoubles(H);
        boolean[] dead = maskDeadInputs(h, in);
        int deadCount = count(dead);
        if (deadCount > 0) {
            guards.add(deadCount + " dead input" + (deadCount == 1 ? "" : "s")
                    + " (H_ii = 0): GPTQ set H_ii = 1, W_i = 0");
        }
        int[] perm = cfg.actOrder() ? descendingDiagonal(h, in) : identity(in);
        if (cfg.actOrder()) {
            h = permuteSymmetric(h, perm, in);
        }
        double[] u = factor(h, in, cfg, guards, linalg);
        h = null;
        if (u == null) {
            Quantized rtn = Rtn.quantize(W, spec);
            guards.add("Cholesky of H^-1 failed at every damping: fell back to RTN");
            return new Quantized(rtn.codes(), rtn.grid(), new double[0], guards);
        }

        double[] w = freshDoubles(W);
        for (int i = 0; i < in; i++) {
            if (dead[i]) {
                java.util.Arrays.fill(w, i * out, (i + 1) * out, 0.0);
            }
        }
        boolean grouped = spec.groups(in) > 1;
        boolean refitGroups = grouped && !cfg.actOrder();
        QuantGrid grid = refitGroups ? QuantGrid.empty(in, out, spec)
                : QuantGrid.fit(grouped ? new Matrix.F64(in, out, w) : W, spec);
        if (cfg.actOrder()) {
            w = permuteRows(w, perm, out);
        }
        int[] codes;
        try {
            codes = blocks(w, u, grid, perm, refitGroups, cfg, out, listener, linalg.math());
        } catch (UpdateCheckFailed e) {
            linalg.distrust(e.getMessage());
            guards.add(e.getMessage() + ": GPTQ ran again in plain Java, and plain Java runs for the rest of this run");
            codes = blocks(w, u, grid, perm, refitGroups, cfg, out, listener, linalg.math());
        }
        return new Quantized(codes, grid, new double[0], guards);
    }

    /** Sets {@code H_ii = 1} for every dead input ({@code H_ii = 0}) and returns which are dead (their W_i becomes 0). */
    private static boolean[] maskDeadInputs(double[] h, int in) {
        boolean[] dead = new boolean[in];
        for (int i = 0; i < in; i++) {
            if (h[i * in + i] == 0) {
                dead[i] = true;
                h[i * in + i] = 1;
            }
        }
        return dead;
    }

    /** The elements of {@code m} as a float64 array this method may modify (one copy, never two). */
    private static double[] freshDoubles(Matrix m) {
        return m instanceof Matrix.F64 d ? d.data().clone() : m.toF64().data();
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }

    /**
     * Quantizes the (permuted) rows of {@code w} block by block and returns the codes in the original row order. The
     * weights live in native memory for the lazy GEMM updates; each block is copied out, worked on, and its errors
     * pushed to the later rows with one GEMM.
     */
    private static int[] blocks(double[] w, double[] u, QuantGrid grid, int[] perm, boolean refitGroups,
                                GptqConfig cfg, int out, ProgressListener listener, DenseMath math) {
        int in = perm.length;
        GridSpec spec = cfg.grid();
        int[] codes = new int[in * out];
        int g = grid.rowsPerGroup();
        int chunks = Math.max(1, Math.min(out / 64, Runtime.getRuntime().availableProcessors()));
        try (WorkMatrix wn = math.allocate(cfg.precision(), in, out);
             WorkMatrix un = math.allocate(cfg.precision(), in, in);
             WorkMatrix errn = math.allocate(cfg.precision(), Math.min(cfg.blockSize(), in), out)) {
            wn.putRows(0, w, in);
            un.putRows(0, u, in);
            int i1 = 0;
            while (i1 < in) {
                int i2 = Math.min(i1 + cfg.blockSize(), in);
                if (refitGroups) {
                    i2 = Math.min(i2, (i1 / g + 1) * g);
                }
                int count = i2 - i1;
                double[] w1 = new double[count * out];
                double[] err1 = new double[count * out];
                wn.getRows(i1, w1, count);
                if (refitGroups && i1 % g == 0) {
                    fitGroup(grid, spec, i1 / g, w1, count, wn, i2, out);
                }
                Block block = new Block(grid, spec, u, in, i1, count, perm, w1, err1, codes, out);
                IntStream.range(0, chunks).parallel()
                        .forEach(c -> block.run(out * c / chunks, out * (c + 1) / chunks));
                errn.putRows(0, err1, count);
                wn.subtractTransposedProduct(i2, un, i1, i2, count, errn);
                if (i1 == 0 && i2 < in) {
                    checkFirstUpdate(wn, w, u, err1, i2, count, out, cfg.precision());
                }
                listener.progress(Step.of(Step.Kind.GPTQ_BLOCK, null, i2, in));
                i1 = i2;
            }
        }
        return codes;
    }

    /** The first lazy update disagreed with its probe: the GEMM cannot be trusted on this layer. */
    private static final class UpdateCheckFailed extends RuntimeException {
        UpdateCheckFailed(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Checks the first block's lazy update {@code W[i2:] -= U[0:k, i2:]^T Err} on one random probe {@code v}, in
     * float64 at {@code O(in * out)}: {@code W_new v} must equal {@code W_old v - U[0:k, i2:]^T (Err v)} up to rounding.
     * {@code w} still holds the rows before the update (they are copied into {@code wn}, never changed here).
     */
    private static void checkFirstUpdate(WorkMatrix wn, double[] w, double[] u, double[] err, int i2, int k, int out,
                                         io.comq.numeric.Precision precision) {
        int in = wn.rows();
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(in * 31L + out);
        double[] v = new double[out];
        for (int j = 0; j < out; j++) {
            v[j] = 2 * rnd.nextDouble() - 1;
        }
        double[] errV = new double[k];
        for (int p = 0; p < k; p++) {
            errV[p] = dot(err, p * out, v, out);
        }
        int chunk = Math.max(1, (1 << 16) / Math.max(1, out));
        double[] rows = new double[Math.min(chunk, in - i2) * out];
        double num = 0;
        double sizeBefore = 0;
        double sizeChange = 0;
        for (int r0 = i2; r0 < in; r0 += chunk) {
            int count = Math.min(chunk, in - r0);
            wn.getRows(r0, rows, count);
            for (int r = 0; r < count; r++) {
                int i = r0 + r;
                double before = dot(w, i * out, v, out);
                double change = 0;
                for (int p = 0; p < k; p++) {
                    change += u[p * in + i] * errV[p];
                }
                double d = dot(rows, r * out, v, out) - (before - change);
                num += d * d;
                sizeBefore += before * before;
                sizeChange += change * change;
            }
        }
        // rounding allowed: relative to the change itself, plus the precision's rounding of the rows it changes
        boolean f64 = precision == io.comq.numeric.Precision.FLOAT64;
        double allowed = (f64 ? 1e-9 : 1e-3) * Math.sqrt(sizeChange) + (f64 ? 1e-12 : 1e-5) * Math.sqrt(sizeBefore);
        double rel = Math.sqrt(num / Math.max(sizeChange, Double.MIN_NORMAL));
        if (!(Math.sqrt(num) <= allowed)) {
            throw new UpdateCheckFailed(String.format(Locale.ROOT, "GPTQ's first block update (GEMM, %s, %d rows) "
                    + "was off by %.3g of the change on a probe", precision.id(), in - i2, rel));
        }
    }

    private static double dot(double[] x, int xo, double[] y, int len) {
        double s = 0;
        for (int j = 0; j < len; j++) {
            s += x[xo + j] * y[j];
        }
        return s;
    }

    /**
     * One block of rows {@code i1 .. i1+count-1}: each row quantized, its scaled error {@code (w - q) / U_ii} fed to
     * the later rows of the block. Output channels are independent, so a block runs as column ranges in parallel.
     */
    private record Block(QuantGrid grid, GridSpec spec, double[] u, int in, int i1, int count, int[] perm,
                         double[] w1, double[] err1, int[] codes, int out) {

        void run(int j0, int j1) {
            for (int r = 0; r < count; r++) {
                int i = i1 + r;
                int orig = perm[i];
                double d = u[i * in + i];
                int e = r * out;
                for (int j = j0; j < j1; j++) {
                    double v = w1[e + j];
                    int z = grid.code(v, orig, j, spec.tie());
                    codes[orig * out + j] = z;
                    err1[e + j] = (v - grid.value(z, orig, j)) / d;
                }
                for (int r2 = r + 1; r2 < count; r2++) {
                    double c = u[i * in + i1 + r2];
                    if (c != 0) {
                        int a = r2 * out;
                        for (int j = j0; j < j1; j++) {
                            w1[a + j] -= c * err1[e + j];
                        }
                    }
                }
            }
        }
    }

    /**
     * Fits group {@code group}'s grid on the current weights when the group starts at the block's first row: the block
     * rows, then the group's rows beyond the block from {@code wn} (current: no error of this block is pending yet).
     */
    private static void fitGroup(QuantGrid grid, GridSpec spec, int group, double[] w1, int count, WorkMatrix wn,
                                 int i2, int out) {
        int g = grid.rowsPerGroup();
        int inBlock = Math.min(g, count);
        int beyond = g - inBlock;
        double[] rest = new double[beyond * out];
        if (beyond > 0) {
            wn.getRows(i2, rest, beyond);
        }
        double[] values = new double[g];
        for (int j = 0; j < out; j++) {
            for (int k = 0; k < inBlock; k++) {
                values[k] = w1[k * out + j];
            }
            for (int k = 0; k < beyond; k++) {
                values[inBlock + k] = rest[k * out + j];
            }
            grid.set(group, j, QuantGrid.cell(values, g, spec));
        }
    }

    /**
     * Damps {@code h} and returns the upper Cholesky factor of its inverse, raising the damping up to 3 times;
     * null when every attempt fails.
     */
    private static double[] factor(double[] h, int in, GptqConfig cfg, List<String> guards, Linalg linalg) {
        double meanDiag = new Matrix.F64(in, in, h).meanDiagonal();
        double damp = cfg.damp();
        for (int attempt = 0; attempt < 4; attempt++) {
            double add = damp * meanDiag;
            double[] u = linalg.upperCholeskyOfInverse(h, in, add, cfg.precision(), guards);
            if (u != null) {
                String what = fmt(damp) + "*mean(diag H)=" + fmt(add);
                guards.add(attempt == 0 ? "damping " + what : "Cholesky failed, damping raised to " + what);
                return u;
            }
            damp = damp > 0 ? damp * 10 : 0.01;
        }
        return null;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.6g", d).replaceAll("\\.?0+$", "");
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /** Inputs by descending {@code H_ii}, ties keeping the lower index first. */
    private static int[] descendingDiagonal(double[] h, int in) {
        Integer[] idx = new Integer[in];
        for (int i = 0; i < in; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(h[b * in + b], h[a * in + a]));
        int[] p = new int[in];
        for (int i = 0; i < in; i++) {
            p[i] = idx[i];
        }
        return p;
    }

    private static double[] permuteRows(double[] w, int[] perm, int out) {
        double[] p = new double[w.length];
        for (int i = 0; i < perm.length; i++) {
            System.arraycopy(w, perm[i] * out, p, i * out, out);
        }
        return p;
    }

    private static double[] permuteSymmetric(double[] h, int[] perm, int in) {
        double[] p = new double[h.length];
        for (int a = 0; a < in; a++) {
            for (int b = 0; b < in; b++) {
                p[a * in + b] = h[perm[a] * in + perm[b]];
            }
        }
        return p;
    }
}
