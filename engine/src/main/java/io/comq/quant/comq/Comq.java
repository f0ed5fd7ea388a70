package io.comq.quant.comq;

import io.comq.quant.method.ComqConfig;
import io.comq.kernel.Layout;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.SweepState;
import io.comq.quant.GridSpec;
import io.comq.numeric.Precision;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.quant.QuantGrid;
import io.comq.quant.Quantized;
import io.comq.quant.gptq.Gptq;
import io.comq.quant.rtn.Rtn;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The COMQ driver: fits (or takes) the grid, builds the channel-major {@link SweepState} in the run's precision, and
 * runs {@code K} sweeps on a {@link QuantKernel}, with a scale update after each sweep when asked. Records the error
 * after each sweep (from the kernel's residuals, {@code sum_j (w_j - q_j)^T G_j}).
 */
public final class Comq {
    private Comq() {
    }

    /**
     * @param normSq {@code tr(W^T H W)}, to report relative errors to the listener (0 reports 0)
     */
    public static Quantized quantize(Matrix W, Matrix H, ComqConfig cfg, QuantKernel kernel, double normSq,
                                     ProgressListener listener) {
        int in = W.rows();
        int out = W.cols();
        GridSpec spec = cfg.grid();
        List<String> guards = new ArrayList<>();

        QuantGrid grid;
        int[] start = null;
        switch (cfg.init()) {
            case GPTQ: {
                Quantized g = Gptq.quantize(W, H, cfg.gptq(), listener);
                g.guards().forEach(s -> guards.add("GPTQ init: " + s));
                grid = g.grid();
                start = g.codes();
                break;
            }
            case RTN:
                grid = QuantGrid.fit(W, spec);
                start = Rtn.codes(W, grid, spec);
                break;
            case FP:
            default:
                grid = QuantGrid.fit(W, spec);
        }
        if (cfg.damp() > 0) {
            H = damped(H, cfg.damp());
            guards.add(String.format(java.util.Locale.ROOT, "COMQ damping %.4g * mean(diag H) added to H_ii",
                    cfg.damp()));
        }
        Layout layout = new Layout(in, out, grid.rowsPerGroup());
        SweepState state = cfg.precision() == Precision.FLOAT64
                ? state64(layout, spec, W.toF64(), H.toF64(), grid, start)
                : state32(layout, spec, W.toF32(), H.toF32(), grid, start);
        int dead = 0;
        for (int i = 0; i < in; i++) {
            if (H.get(i, i) == 0) {
                dead++;
            }
        }
        if (dead > 0) {
            guards.add(dead + " dead input" + (dead == 1 ? "" : "s") + " (H_ii = 0): COMQ took t = W_ij there");
        }
        double[] errs = new double[cfg.sweeps()];
        try {
            if (start != null) {
                kernel.computeGradient(state);
            }
            int[] order = cfg.order() == ComqConfig.Order.GREEDY ? kernel.greedyOrder(state) : null;
            for (int k = 0; k < cfg.sweeps(); k++) {
                kernel.sweep(state, order);
                if (cfg.scaleUpdate() == ComqConfig.ScaleUpdate.POST) {
                    kernel.updateScales(state);
                }
                double e = 0;
                for (double v : kernel.residualErrors(state)) {
                    e += v;
                }
                errs[k] = e;
                listener.progress(Step.of(Step.Kind.SWEEP, (k + 1) + "/" + cfg.sweeps(), k + 1, cfg.sweeps()));
                listener.sweepFinished(k + 1, cfg.sweeps(), normSq == 0 ? 0 : e / normSq);
            }
        } finally {
            kernel.release(state);
        }
        QuantGrid last = cfg.scaleUpdate() == ComqConfig.ScaleUpdate.POST ? gridOf(layout, grid, state) : grid;
        int[] Z = state.Z();
        // let the rest of the state (W, Q, G: three more copies of W) go before the row-major copy of the codes
        state = null;
        return new Quantized(rowMajorCodes(layout, Z), last, errs, guards);
    }

    /** {@code H + damp * mean(diag H) * I} in H's precision (dead inputs stay dead). */
    static Matrix damped(Matrix H, double damp) {
        int in = H.rows();
        double add = damp * H.meanDiagonal();
        if (H instanceof Matrix.F64 d) {
            double[] h = d.data().clone();
            for (int i = 0; i < in; i++) {
                h[i * in + i] += h[i * in + i] == 0 ? 0 : add;
            }
            return new Matrix.F64(in, in, h);
        }
        float[] h = H.toF32().data().clone();
        for (int i = 0; i < in; i++) {
            h[i * in + i] += h[i * in + i] == 0 ? 0 : (float) add;
        }
        return new Matrix.F32(in, in, h);
    }

    private static SweepState.F64 state64(Layout l, GridSpec spec, Matrix.F64 w, Matrix.F64 h, QuantGrid grid,
                                          int[] start) {
        int n = l.in() * l.out();
        double[] W = new double[n];
        double[] Q = new double[n];
        int[] Z = new int[n];
        double[] scale = new double[l.groups() * l.out()];
        int[] lo = new int[scale.length];
        int[] hi = new int[scale.length];
        copyGrid(l, grid, scale, lo, hi);
        for (int j = 0; j < l.out(); j++) {
            for (int i = 0; i < l.in(); i++) {
                int rm = i * l.out() + j;
                W[l.at(j, i)] = w.data()[rm];
                if (start != null) {
                    Z[l.at(j, i)] = start[rm];
                    Q[l.at(j, i)] = scale[l.grid(j, i)] * start[rm];
                } else {
                    Q[l.at(j, i)] = w.data()[rm];
                }
            }
        }
        return new SweepState.F64(l, spec.tie(), h.data(), W, Q, Z, new double[n], scale, lo, hi);
    }

    private static SweepState.F32 state32(Layout l, GridSpec spec, Matrix.F32 w, Matrix.F32 h, QuantGrid grid,
                                          int[] start) {
        int n = l.in() * l.out();
        float[] W = new float[n];
        float[] Q = new float[n];
        int[] Z = new int[n];
        double[] scale64 = new double[l.groups() * l.out()];
        int[] lo = new int[scale64.length];
        int[] hi = new int[scale64.length];
        copyGrid(l, grid, scale64, lo, hi);
        float[] scale = new float[scale64.length];
        for (int k = 0; k < scale.length; k++) {
            scale[k] = (float) scale64[k];
        }
        for (int j = 0; j < l.out(); j++) {
            for (int i = 0; i < l.in(); i++) {
                int rm = i * l.out() + j;
                W[l.at(j, i)] = w.data()[rm];
                if (start != null) {
                    Z[l.at(j, i)] = start[rm];
                    Q[l.at(j, i)] = scale[l.grid(j, i)] * start[rm];
                } else {
                    Q[l.at(j, i)] = W[l.at(j, i)];
                }
            }
        }
        return new SweepState.F32(l, spec.tie(), h.data(), W, Q, Z, new float[n], scale, lo, hi);
    }

    /** Copies the row-major {@code (groups, out)} grid into the channel-major kernel arrays. */
    private static void copyGrid(Layout l, QuantGrid grid, double[] scale, int[] lo, int[] hi) {
        for (int j = 0; j < l.out(); j++) {
            for (int g = 0; g < l.groups(); g++) {
                int k = l.grid(j, g * l.rowsPerGroup());
                scale[k] = grid.scale()[grid.at(g, j)];
                lo[k] = grid.lo()[grid.at(g, j)];
                hi[k] = grid.hi()[grid.at(g, j)];
            }
        }
    }

    /** The final grid: lo/hi as fitted, scales from the state (they move with the scale update). */
    private static QuantGrid gridOf(Layout l, QuantGrid fitted, SweepState s) {
        QuantGrid g = new QuantGrid(fitted.groups(), fitted.out(), fitted.rowsPerGroup(), fitted.scale().clone(),
                fitted.lo().clone(), fitted.hi().clone());
        for (int j = 0; j < l.out(); j++) {
            for (int group = 0; group < l.groups(); group++) {
                int k = l.grid(j, group * l.rowsPerGroup());
                g.scale()[g.at(group, j)] = s instanceof SweepState.F64 d ? d.scale()[k]
                        : ((SweepState.F32) s).scale()[k];
            }
        }
        return g;
    }

    private static int[] rowMajorCodes(Layout l, int[] Z) {
        int[] codes = new int[Z.length];
        for (int j = 0; j < l.out(); j++) {
            for (int i = 0; i < l.in(); i++) {
                codes[i * l.out() + j] = Z[l.at(j, i)];
            }
        }
        return codes;
    }
}
