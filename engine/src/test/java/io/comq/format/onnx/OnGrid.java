package io.comq.format.onnx;

import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.numeric.TieRule;
import java.util.Random;

/**
 * Weights exactly representable on a grid: each (group, column) cell has a power-of-two scale and integer codes that
 * reach the cell's extremes, so RTN recovers exactly these codes and {@code scale * code} is exact in float32.
 */
final class OnGrid {
    private OnGrid() {
    }

    static GridSpec spec(int bits, Grid grid, int groupSize) {
        return new GridSpec(bits, grid, 1.0, groupSize, TieRule.HALF_EVEN);
    }

    /** W (in, out) row-major on the grid of {@code spec}. */
    static float[] weights(Random rnd, int in, int out, GridSpec spec) {
        int rows = spec.rowsPerGroup(in);
        int b = spec.bits();
        float[] w = new float[in * out];
        for (int g = 0; g < in / rows; g++) {
            for (int j = 0; j < out; j++) {
                float s = (float) Math.scalb(1.0, -2 - rnd.nextInt(5));
                int lo;
                int hi;
                if (spec.grid() == Grid.ASYM_MINMAX) {
                    lo = -rnd.nextInt((1 << b) - 1) - 1; // straddles 0: lo in [-(2^b-1), -1]
                    hi = lo + (1 << b) - 1;
                } else if (spec.grid() == Grid.SYM_RESTRICTED) {
                    lo = -(1 << (b - 1)) + 1;
                    hi = -lo;
                } else {
                    lo = -(1 << (b - 1));
                    hi = (1 << (b - 1)) - 1;
                }
                for (int i = 0; i < rows; i++) {
                    int z = lo + rnd.nextInt(hi - lo + 1);
                    if (i == 0) {
                        z = lo;
                    } else if (i == 1 && spec.grid() == Grid.ASYM_MINMAX) {
                        z = hi;
                    }
                    w[(g * rows + i) * out + j] = s * z;
                }
            }
        }
        return w;
    }

    /** The stored {@code (groups * out, in)} tensor (Conv, Gemm transB=1) of per-group engine weights (in, out). */
    static float[] outIn(float[][] perGroup, int in, int out) {
        float[] t = new float[perGroup.length * out * in];
        for (int g = 0; g < perGroup.length; g++) {
            for (int j = 0; j < out; j++) {
                for (int i = 0; i < in; i++) {
                    t[(g * out + j) * in + i] = perGroup[g][i * out + j];
                }
            }
        }
        return t;
    }

    static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int k = 0; k < n; k++) {
            x[k] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
