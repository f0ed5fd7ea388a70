package io.comq.quant.method;

import io.comq.error.InvalidConfigException;
import io.comq.quant.GridSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import io.comq.quant.method.MethodConfig;
import io.comq.numeric.Precision;

/**
 * GPTQ settings.
 *
 * @param grid      the grid
 * @param damp      damping as a fraction of {@code mean(diag H)} added to the diagonal, in [0, 1]; 0.01 by default
 * @param actOrder  process inputs by descending {@code H_ii} (codes are still returned in the original order)
 * @param blockSize rows per lazy block update, 128 by default
 * @param precision arithmetic precision of the factorization and the block updates
 */
public record GptqConfig(GridSpec grid, double damp, boolean actOrder, int blockSize, Precision precision)
        implements MethodConfig {

    public static final double DEFAULT_DAMP = 0.01;
    public static final int DEFAULT_BLOCK_SIZE = 128;

    public GptqConfig {
        if (grid == null || precision == null) {
            throw new InvalidConfigException("GPTQ needs a grid and a precision");
        }
        if (!(damp >= 0 && damp <= 1)) {
            throw new InvalidConfigException(
                    "GPTQ damping must be in [0, 1] (a fraction of mean(diag H)), got " + damp);
        }
        if (blockSize < 1) {
            throw new InvalidConfigException("GPTQ block size must be positive, got " + blockSize);
        }
    }

    /** Damping 0.01, no act_order, block 128, float64. */
    public static GptqConfig of(GridSpec grid) {
        return new GptqConfig(grid, DEFAULT_DAMP, false, DEFAULT_BLOCK_SIZE, Precision.FLOAT64);
    }

    public GptqConfig withPrecision(Precision p) {
        return new GptqConfig(grid, damp, actOrder, blockSize, p);
    }

    public GptqConfig withGrid(GridSpec g) {
        return new GptqConfig(g, damp, actOrder, blockSize, precision);
    }

    @Override
    public String method() {
        return "gptq";
    }

    @Override
    public String label() {
        return actOrder ? "gptq(act_order)" : "gptq";
    }

    @Override
    public Map<String, String> reportSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("damp", Double.toString(damp));
        s.put("act_order", Boolean.toString(actOrder));
        return s;
    }
}
