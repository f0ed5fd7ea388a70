package io.comq.quant.method;

import io.comq.error.InvalidConfigException;
import io.comq.quant.GridSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import io.comq.quant.method.MethodConfig;
import io.comq.numeric.Names;
import io.comq.numeric.Precision;
import io.comq.quant.method.GptqConfig;

/**
 * COMQ settings.
 *
 * @param grid        the grid (its scales are fitted on {@code W}, or taken from GPTQ when {@code init = GPTQ})
 * @param sweeps      full sweeps {@code K}, 1..100 (3 by default)
 * @param order       visiting order within a sweep
 * @param init        starting point
 * @param gptq        GPTQ settings for {@code init = GPTQ} (null there means {@link GptqConfig#of} on this grid and
 *                    precision); must be null for other inits, and on the same grid as COMQ
 * @param scaleUpdate whether scales are re-fitted (codes fixed) after each sweep
 * @param precision   arithmetic precision of the sweeps
 * @param damp        the sweeps minimise the error under {@code H + damp * mean(diag H) * I} (0 by default: the plain
 *                    objective), in [0, 1]; pulls codes toward round-to-nearest where the calibration data is thin
 */
public record ComqConfig(GridSpec grid, int sweeps, Order order, Init init, GptqConfig gptq, ScaleUpdate scaleUpdate,
                         Precision precision, double damp) implements MethodConfig {

    public static final int DEFAULT_SWEEPS = 3;

    /** Visiting order of the inputs within a sweep. */
    public enum Order {
        /** Per channel, inputs by {@code sqrt(H_ii) |W_ij|} descending (ties: lower index first). */
        GREEDY("greedy"),
        /** {@code i = 0 .. in-1}. */
        CYCLIC("cyclic");

        private final String id;

        Order(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Order parse(String s) {
            return Names.parse(Order.class, s, Order::id);
        }
    }

    /** Where the sweeps start. */
    public enum Init {
        /** {@code Q = W}, {@code G = 0}: the authors' choice. */
        FP("fp"),
        /** Round-to-nearest codes. */
        RTN("rtn"),
        /** GPTQ's codes and grid. */
        GPTQ("gptq");

        private final String id;

        Init(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Init parse(String s) {
            return Names.parse(Init.class, s, Init::id);
        }
    }

    /** Scale re-fitting. */
    public enum ScaleUpdate {
        /** Scales stay as fitted. */
        NONE("none"),
        /** After each sweep, {@code scale <- z^T H w / z^T H z} per (channel, group), codes fixed. */
        POST("post");

        private final String id;

        ScaleUpdate(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static ScaleUpdate parse(String s) {
            return Names.parse(ScaleUpdate.class, s, ScaleUpdate::id);
        }
    }

    public ComqConfig {
        if (grid == null || order == null || init == null || scaleUpdate == null || precision == null) {
            throw new InvalidConfigException(
                    "COMQ needs a grid, an order, an init, a scale update mode and a precision");
        }
        if (!(damp >= 0 && damp <= 1)) {
            throw new InvalidConfigException("COMQ damping must be in [0, 1] (a fraction of mean(diag H)), got " + damp);
        }
        if (sweeps < 1 || sweeps > 100) {
            throw new InvalidConfigException("COMQ sweeps must be between 1 and 100, got " + sweeps);
        }
        if (init == Init.GPTQ) {
            if (gptq == null) {
                gptq = GptqConfig.of(grid).withPrecision(precision);
            } else if (!gptq.grid().equals(grid)) {
                throw new InvalidConfigException("the GPTQ init runs on grid " + gptq.grid() + " but COMQ on " + grid
                        + ": give both the same grid (or no GPTQ settings to use the defaults)");
            }
        } else if (gptq != null) {
            throw new InvalidConfigException("GPTQ settings were given but init is '" + init.id()
                    + "': use init 'gptq' or drop the GPTQ settings");
        }
    }

    /** Settings without damping. */
    public ComqConfig(GridSpec grid, int sweeps, Order order, Init init, GptqConfig gptq, ScaleUpdate scaleUpdate,
                      Precision precision) {
        this(grid, sweeps, order, init, gptq, scaleUpdate, precision, 0);
    }

    /** Greedy, 3 sweeps, init fp, no scale update, float64, no damping. */
    public static ComqConfig of(GridSpec grid) {
        return new ComqConfig(grid, DEFAULT_SWEEPS, Order.GREEDY, Init.FP, null, ScaleUpdate.NONE, Precision.FLOAT64);
    }

    public ComqConfig withSweeps(int k) {
        return new ComqConfig(grid, k, order, init, gptq, scaleUpdate, precision, damp);
    }

    public ComqConfig withOrder(Order o) {
        return new ComqConfig(grid, sweeps, o, init, gptq, scaleUpdate, precision, damp);
    }

    /** A copy with another init; the GPTQ settings are reset to the defaults for {@code GPTQ}, dropped otherwise. */
    public ComqConfig withInit(Init i) {
        return new ComqConfig(grid, sweeps, order, i, null, scaleUpdate, precision, damp);
    }

    /** A copy started from the codes of this GPTQ run (on the same grid). */
    public ComqConfig withGptqInit(GptqConfig g) {
        return new ComqConfig(grid, sweeps, order, Init.GPTQ, g, scaleUpdate, precision, damp);
    }

    public ComqConfig withScaleUpdate(ScaleUpdate u) {
        return new ComqConfig(grid, sweeps, order, init, gptq, u, precision, damp);
    }

    /** A copy in another precision (a GPTQ init follows it). */
    public ComqConfig withPrecision(Precision p) {
        return new ComqConfig(grid, sweeps, order, init, gptq == null ? null : gptq.withPrecision(p), scaleUpdate, p,
                damp);
    }

    /** A copy with this damping of the sweeps' objective. */
    public ComqConfig withDamp(double d) {
        return new ComqConfig(grid, sweeps, order, init, gptq, scaleUpdate, precision, d);
    }

    /** A copy on another grid (a GPTQ init follows it). */
    public ComqConfig withGrid(GridSpec g) {
        return new ComqConfig(g, sweeps, order, init, gptq == null ? null : gptq.withGrid(g), scaleUpdate, precision,
                damp);
    }

    @Override
    public String method() {
        return "comq";
    }

    @Override
    public String label() {
        StringBuilder s = new StringBuilder("comq(init=").append(init.id());
        if (gptq != null && gptq.actOrder()) {
            s.append("+act_order");
        }
        if (scaleUpdate != ScaleUpdate.NONE) {
            s.append(", scale=").append(scaleUpdate.id());
        }
        if (damp > 0) {
            s.append(", damp=").append(damp);
        }
        if (order != Order.GREEDY) {
            s.append(", order=").append(order.id());
        }
        return s.append(')').toString();
    }

    /** The sweep settings, and GPTQ's when COMQ starts from its codes. */
    @Override
    public Map<String, String> reportSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("sweeps", Integer.toString(sweeps));
        s.put("order", order.id());
        s.put("init", init.id());
        s.put("scale_update", scaleUpdate.id());
        if (gptq != null) {
            s.putAll(gptq.reportSettings());
        }
        return s;
    }

    @Override
    public boolean sweepsOnKernel() {
        return true;
    }
}
