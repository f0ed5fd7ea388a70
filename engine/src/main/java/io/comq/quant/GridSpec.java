package io.comq.quant;

import io.comq.numeric.TieRule;
import io.comq.error.InvalidConfigException;

/**
 * Everything that defines the quantization grid of a layer, shared by RTN, GPTQ and COMQ.
 *
 * @param bits      code width, 2..8
 * @param grid      the grid rule
 * @param ratio     multiplier on the scale (1.0 by default; the COMQ authors use 0.65 for 2-bit ViTs), in (0, 2]
 * @param groupSize 0 for one grid per output channel, else {@code g} consecutive input rows share a grid; must divide
 *                  the layer's input size
 * @param tie       tie rule of {@code round(.)}
 */
public record GridSpec(int bits, Grid grid, double ratio, int groupSize, TieRule tie) {
    public GridSpec {
        if (bits < 2 || bits > 8) {
            throw new InvalidConfigException("bits must be between 2 and 8, got " + bits);
        }
        if (grid == null || tie == null) {
            throw new InvalidConfigException("grid and tie rule are required");
        }
        if (!(ratio > 0 && ratio <= 2)) {
            throw new InvalidConfigException("ratio must be in (0, 2], got " + ratio);
        }
        if (grid == Grid.SYM_MSE && ratio != 1.0) {
            throw new InvalidConfigException("grid sym-mse searches the scale itself; drop the ratio (got " + ratio
                    + ") or use sym-maxabs with a fixed ratio");
        }
        if (groupSize < 0) {
            throw new InvalidConfigException("group size must be 0 (per channel) or positive, got " + groupSize);
        }
    }

    /** 4-bit per-channel sym-maxabs, ratio 1, half-even: the reference vectors' most common setting. */
    public static GridSpec defaults() {
        return new GridSpec(4, Grid.SYM_MAXABS, 1.0, 0, TieRule.HALF_EVEN);
    }

    public GridSpec withBits(int b) {
        return new GridSpec(b, grid, ratio, groupSize, tie);
    }

    /** Number of groups along an input dimension of {@code in} rows; checks that the group size divides it. */
    public int groups(int in) {
        if (groupSize == 0) {
            return 1;
        }
        if (in % groupSize != 0) {
            throw new InvalidConfigException(
                    "group size " + groupSize + " does not divide the layer's input size " + in + "; use a divisor of " + in
                            + " or 0 for per-channel");
        }
        return in / groupSize;
    }

    /** Rows per group for an input dimension of {@code in} rows. */
    public int rowsPerGroup(int in) {
        return groupSize == 0 ? in : groupSize;
    }
}
