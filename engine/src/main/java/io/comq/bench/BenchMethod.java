package io.comq.bench;

import io.comq.error.InvalidConfigException;
import io.comq.numeric.Precision;
import io.comq.quant.GridSpec;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import java.util.Arrays;
import java.util.List;

/** The methods the benchmark times, by their names on {@code comq bench --methods}. */
enum BenchMethod {
    COMQ_GREEDY("comq-greedy"), COMQ_CYCLIC("comq-cyclic"), GPTQ("gptq"), RTN("rtn");

    private final String id;

    BenchMethod(String id) {
        this.id = id;
    }

    String id() {
        return id;
    }

    /** Every name, in the order the bench runs them by default. */
    static List<String> ids() {
        return Arrays.stream(values()).map(BenchMethod::id).toList();
    }

    static BenchMethod parse(String name) {
        for (BenchMethod m : values()) {
            if (m.id.equals(name)) {
                return m;
            }
        }
        throw new InvalidConfigException("unknown method '" + name + "': use " + String.join(", ", ids()));
    }

    /** True for the COMQ sweeps, whose rate is per sweep. */
    boolean sweeps() {
        return this == COMQ_GREEDY || this == COMQ_CYCLIC;
    }

    /** The method on {@code grid} in float32 (the bench's precision), with {@code sweeps} sweeps for COMQ. */
    MethodConfig config(GridSpec grid, int sweeps) {
        Precision p = Precision.FLOAT32;
        return switch (this) {
            case COMQ_GREEDY -> ComqConfig.of(grid).withOrder(ComqConfig.Order.GREEDY).withSweeps(sweeps)
                    .withPrecision(p);
            case COMQ_CYCLIC -> ComqConfig.of(grid).withOrder(ComqConfig.Order.CYCLIC).withSweeps(sweeps)
                    .withPrecision(p);
            case GPTQ -> GptqConfig.of(grid).withPrecision(p);
            case RTN -> new RtnConfig(grid, p);
        };
    }
}
