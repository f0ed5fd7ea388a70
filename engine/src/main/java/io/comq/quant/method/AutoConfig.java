package io.comq.quant.method;

import io.comq.numeric.Precision;
import io.comq.quant.GridSpec;
import io.comq.error.InvalidConfigException;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.RtnConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --method auto}: every layer is quantized with each candidate and keeps the one with the lowest error on
 * held-out calibration data (on the fit data when nothing is held out). A whole-model setting: a single layer has no
 * held-out data to choose by, so {@link LayerQuantizer} refuses it.
 *
 * @param grid       the grid every candidate runs on
 * @param precision  the candidates' precision
 * @param candidates the methods to choose among, all on {@code grid}; at least one
 */
public record AutoConfig(GridSpec grid, Precision precision, List<MethodConfig> candidates) implements MethodConfig {

    /** The default damping of the damped COMQ candidate. */
    public static final double CANDIDATE_COMQ_DAMP = 0.1;

    public AutoConfig {
        if (grid == null || precision == null || candidates == null || candidates.isEmpty()) {
            throw new InvalidConfigException("method auto needs a grid, a precision and at least one candidate");
        }
        candidates = List.copyOf(candidates);
        for (MethodConfig c : candidates) {
            if (c instanceof AutoConfig) {
                throw new InvalidConfigException("method auto cannot be its own candidate");
            }
            if (!c.grid().equals(grid)) {
                throw new InvalidConfigException("auto candidate " + c.method() + " runs on grid " + c.grid()
                        + ", not on the auto grid " + grid);
            }
        }
    }

    /**
     * The standard candidates on this grid: RTN, GPTQ with act_order, COMQ started from those GPTQ codes (plain, with
     * scale update, and damped) and COMQ started from the float weights.
     */
    public static AutoConfig standard(GridSpec grid, Precision precision) {
        GptqConfig gptq = new GptqConfig(grid, GptqConfig.DEFAULT_DAMP, true, GptqConfig.DEFAULT_BLOCK_SIZE, precision);
        ComqConfig fromGptq = ComqConfig.of(grid).withPrecision(precision).withGptqInit(gptq);
        List<MethodConfig> c = new ArrayList<>();
        c.add(new RtnConfig(grid, precision));
        c.add(gptq);
        c.add(fromGptq);
        c.add(fromGptq.withScaleUpdate(ComqConfig.ScaleUpdate.POST));
        c.add(fromGptq.withDamp(CANDIDATE_COMQ_DAMP));
        c.add(ComqConfig.of(grid).withPrecision(precision));
        return new AutoConfig(grid, precision, c);
    }

    /** The same candidates on another grid (per-layer bits). */
    public AutoConfig withGrid(GridSpec g) {
        List<MethodConfig> c = new ArrayList<>();
        for (MethodConfig m : candidates) {
            c.add(onGrid(m, g));
        }
        return new AutoConfig(g, precision, c);
    }

    /** {@code m} on grid {@code g} (auto's candidates follow). */
    public static MethodConfig onGrid(MethodConfig m, GridSpec g) {
        if (m.grid().equals(g)) {
            return m;
        }
        if (m instanceof RtnConfig) {
            return new RtnConfig(g, m.precision());
        }
        if (m instanceof GptqConfig q) {
            return q.withGrid(g);
        }
        if (m instanceof ComqConfig c) {
            return c.withGrid(g);
        }
        if (m instanceof AutoConfig a) {
            return a.withGrid(g);
        }
        throw new InvalidConfigException("method " + m.method() + " does not take another grid");
    }

    @Override
    public String label() {
        return "auto";
    }

    /** The candidates, by label. */
    @Override
    public Map<String, String> reportSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("candidates", String.join(" ", candidates.stream().map(MethodConfig::label).toList()));
        return s;
    }


    @Override
    public String method() {
        return "auto";
    }
}
