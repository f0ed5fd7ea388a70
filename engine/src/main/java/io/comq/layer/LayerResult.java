package io.comq.layer;

import io.comq.numeric.Precision;
import io.comq.quant.GridSpec;
import io.comq.tensor.Matrix;
import java.util.List;

/**
 * The quantized layer. Codes are signed integers with {@code lo <= z <= hi}; {@code Wq[i, j] = scale[g(i), j] * z[i, j]}
 * where {@code g(i) = i / rowsPerGroup}. Unsigned storage uses {@code z - lo} with zero point {@code -lo}.
 *
 * @param in               input size (rows of W)
 * @param out              output channels (columns of W)
 * @param grid             the grid spec the codes live on
 * @param codes            signed codes, row-major {@code (in, out)}
 * @param scales           {@code (groups, out)}, one row when per-channel
 * @param lo               lowest code per {@code (group, channel)}, row-major {@code (groups, out)}
 * @param hi               highest code per {@code (group, channel)}, row-major {@code (groups, out)}
 * @param wq               dequantized weight {@code scale * z}, {@code (in, out)}, in the run's precision
 * @param biasCorrection   {@code mu^T (W - Wq)} per output channel, or {@code null} when not requested
 * @param rtnRelError      relative error of round-to-nearest on the same grid (the baseline every report shows)
 * @param relErrorPerSweep relative error after each COMQ sweep (empty for RTN and GPTQ)
 * @param relError         final relative error {@code tr((Wq-W)^T H (Wq-W)) / tr(W^T H W)}
 * @param stats            how the result was computed
 */
public record LayerResult(
        int in,
        int out,
        GridSpec grid,
        int[] codes,
        Matrix.F64 scales,
        int[] lo,
        int[] hi,
        Matrix wq,
        double[] biasCorrection,
        double rtnRelError,
        double[] relErrorPerSweep,
        double relError,
        RunStats stats) {

    /** Zero points for unsigned storage ({@code -lo}), row-major {@code (groups, out)}. */
    public int[] zeroPoints() {
        int[] z = new int[lo.length];
        for (int k = 0; k < z.length; k++) {
            z[k] = -lo[k];
        }
        return z;
    }

    /**
     * How a layer was computed: for reports and for numeric guards that must be visible rather than only logged.
     *
     * @param method     {@code rtn}, {@code gptq} or {@code comq}
     * @param precision  arithmetic precision used
     * @param backend    kernel backend name, e.g. {@code cpu-simd}
     * @param device     the device the backend ran on, in words
     * @param threads    worker threads used
     * @param nanos      wall time of the method itself (grid fitting, factorization, sweeps), without the error
     *                   evaluations and bias compensation that {@code LayerQuantizer} adds around it
     * @param guards     numeric guards applied (dead inputs, damping, Cholesky fallback), human-readable
     */
    public record RunStats(String method, Precision precision, String backend, String device, int threads, long nanos,
                           List<String> guards) {
        public RunStats {
            guards = List.copyOf(guards);
        }
    }
}
