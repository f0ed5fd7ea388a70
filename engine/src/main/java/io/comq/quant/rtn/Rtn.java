package io.comq.quant.rtn;

import io.comq.quant.GridSpec;
import io.comq.quant.QuantGrid;
import io.comq.quant.Quantized;
import io.comq.tensor.Matrix;
import java.util.List;

/** Round-to-nearest: {@code z = clip(round(w / scale), lo, hi)} on the grid fitted to {@code W}. */
public final class Rtn {
    private Rtn() {
    }

    /** Quantizes {@code W (in, out)} on its fitted grid. */
    public static Quantized quantize(Matrix W, GridSpec spec) {
        QuantGrid grid = QuantGrid.fit(W, spec);
        return new Quantized(codes(W, grid, spec), grid, new double[0], List.of());
    }

    /** Row-major codes {@code (in, out)} of {@code W} rounded on {@code grid}. */
    public static int[] codes(Matrix W, QuantGrid grid, GridSpec spec) {
        int out = W.cols();
        int[] z = new int[Math.toIntExact(W.size())];
        for (int i = 0; i < W.rows(); i++) {
            for (int j = 0; j < out; j++) {
                z[i * out + j] = grid.code(W.get(i, j), i, j, spec.tie());
            }
        }
        return z;
    }
}
