package io.comq.quant.method;

import io.comq.error.InvalidConfigException;
import io.comq.quant.GridSpec;
import java.util.Map;
import io.comq.quant.method.MethodConfig;
import io.comq.numeric.Precision;

/**
 * Round-to-nearest on a grid.
 *
 * @param grid      the grid
 * @param precision arithmetic precision of the run (RTN itself is exact in either)
 */
public record RtnConfig(GridSpec grid, Precision precision) implements MethodConfig {
    public RtnConfig {
        if (grid == null || precision == null) {
            throw new InvalidConfigException("RTN needs a grid and a precision");
        }
    }

    public static RtnConfig of(GridSpec grid) {
        return new RtnConfig(grid, Precision.FLOAT64);
    }

    @Override
    public String method() {
        return "rtn";
    }

    @Override
    public String label() {
        return "rtn";
    }

    @Override
    public Map<String, String> reportSettings() {
        return Map.of();
    }
}
