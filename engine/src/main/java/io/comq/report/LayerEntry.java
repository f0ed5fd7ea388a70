package io.comq.report;

import io.comq.layer.LayerResult;
import java.util.List;

/**
 * One quantized layer in a {@link ModelReport}.
 *
 * @param name        the layer's name in the model (the weight tensor or ONNX initializer name)
 * @param op          the operator, e.g. {@code Linear}, {@code MatMul}, {@code Conv}
 * @param shape       the weight's shape as the model stores it
 * @param bits        code width
 * @param groupSize   input rows per grid, 0 for per-channel
 * @param grid        grid rule, e.g. {@code sym-maxabs}
 * @param method      {@code rtn}, {@code gptq} or {@code comq}
 * @param rtnRelError relative error of round-to-nearest on the same grid
 * @param relError    final relative error {@code tr((Wq-W)^T H (Wq-W)) / tr(W^T H W)}
 * @param sweeps      COMQ sweeps run (0 for RTN and GPTQ)
 * @param timeMs      wall time of the method, in milliseconds
 * @param backend     kernel backend that ran
 * @param device      the device, in words
 * @param guards      numeric guards applied
 */
public record LayerEntry(String name, String op, List<Integer> shape, int bits, int groupSize, String grid,
                         String method, double rtnRelError, double relError, int sweeps, double timeMs, String backend,
                         String device, List<String> guards) {
    public LayerEntry {
        shape = List.copyOf(shape);
        guards = guards == null ? List.of() : List.copyOf(guards);
    }

    /** The entry of a layer quantized by the engine. */
    public static LayerEntry of(String name, String op, List<Integer> shape, LayerResult r) {
        LayerResult.RunStats s = r.stats();
        return new LayerEntry(name, op, shape, r.grid().bits(), r.grid().groupSize(), r.grid().grid().id(), s.method(),
                r.rtnRelError(), r.relError(), r.relErrorPerSweep().length, s.nanos() / 1e6, s.backend(), s.device(),
                s.guards());
    }

    /** Number of weights. */
    public long parameters() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }
}
