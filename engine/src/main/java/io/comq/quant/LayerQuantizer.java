package io.comq.quant;

import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.comq.Comq;
import io.comq.quant.comq.ComqConfig;
import io.comq.quant.gptq.Gptq;
import io.comq.quant.gptq.GptqConfig;
import io.comq.quant.linalg.Objective;
import io.comq.quant.rtn.Rtn;
import io.comq.quant.rtn.RtnConfig;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's public entry point for one layer: validates the problem against the config, runs RTN, GPTQ or COMQ,
 * and measures the result. Every method's relative error is computed the same way
 * ({@code tr((Wq-W)^T H (Wq-W)) / tr(W^T H W)}, by {@link Objective} in the run's precision), next to the RTN baseline
 * on the same grid, so that reports compare like with like.
 *
 * <p>COMQ runs its sweeps on the given kernel; GPTQ runs on OpenBLAS and RTN in plain Java whatever the kernel, and
 * {@link LayerResult.RunStats} names what actually ran. {@link LayerResult.RunStats#nanos()} is the time of the method
 * itself (grid fitting, factorization, sweeps), without the error evaluations and the bias compensation.
 */
public final class LayerQuantizer {

    /** {@link LayerResult.RunStats#backend()} of GPTQ runs: factorization and block updates run on OpenBLAS. */
    public static final String GPTQ_BACKEND = "openblas";

    /** {@link LayerResult.RunStats#backend()} of RTN runs: plain Java. */
    public static final String RTN_BACKEND = "java";

    private final QuantKernel kernel;

    /** A quantizer running COMQ sweeps on {@code kernel} (the caller owns and closes it). */
    public LayerQuantizer(QuantKernel kernel) {
        if (kernel == null) {
            throw new IllegalArgumentException("a kernel is required");
        }
        this.kernel = kernel;
    }

    /**
     * Quantizes one layer.
     *
     * @throws InvalidConfigException if the grid does not fit the layer (group size not dividing {@code in})
     * @throws InvalidInputException  if bias compensation is asked for a problem without a mean input row
     */
    public LayerResult quantize(LayerProblem problem, LayerConfig config, ProgressListener listener) {
        MethodConfig method = config.method();
        GridSpec spec = method.grid();
        int in = problem.in();
        int out = problem.out();
        spec.groups(in);
        if (config.biasCompensation() && problem.meanRow() == null) {
            throw new InvalidInputException("bias compensation needs the mean input row mu of the calibration data, "
                    + "but this layer's problem has none: accumulate it with the Gram matrix "
                    + "or turn bias compensation off");
        }
        ProgressListener progress = listener == null ? ProgressListener.NONE : listener;
        Precision precision = method.precision();
        // W and H stay in the run's precision (no float64 copies on the float32 path: peak heap is ~4x W + H).
        Matrix W = inPrecision(problem.weights(), precision);
        Matrix H = inPrecision(problem.gram(), precision);
        double normSq = Objective.quadratic(H, W);

        List<String> guards = new ArrayList<>();
        QuantKernel used = kernel;
        if (method instanceof ComqConfig && !kernel.supports(precision)) {
            used = new ScalarKernel(Math.max(1, kernel.threads()));
            guards.add("kernel " + kernel.name() + " does not support " + precision.id() + ": used " + used.name());
        }
        Quantized q;
        long t0 = System.nanoTime();
        try {
            q = run(W, H, method, used, normSq, progress);
        } finally {
            if (used != kernel) {
                used.close();
            }
        }
        long nanos = System.nanoTime() - t0;
        guards.addAll(q.guards());

        Matrix wq = q.grid().dequantize(q.codes(), precision);
        double err = Objective.quadratic(H, Objective.difference(wq, W));
        double rtnErr = method instanceof RtnConfig ? err : rtnError(H, W, spec, precision);
        double[] perSweep = new double[q.errPerSweep().length];
        for (int k = 0; k < perSweep.length; k++) {
            perSweep[k] = rel(q.errPerSweep()[k], normSq);
        }
        double[] bias = config.biasCompensation() ? biasCorrection(problem.meanRow(), W, wq) : null;
        LayerResult.RunStats stats = stats(method, used, nanos, guards);
        return new LayerResult(in, out, spec, q.codes(), q.grid().scaleMatrix(), q.grid().lo().clone(),
                q.grid().hi().clone(), wq, bias, rel(rtnErr, normSq), perSweep, rel(err, normSq), stats);
    }

    private static Matrix inPrecision(Matrix m, Precision precision) {
        return precision == Precision.FLOAT64 ? m.toF64() : m.toF32();
    }

    /** What ran: the kernel for COMQ, OpenBLAS for GPTQ, plain Java for RTN. */
    private static LayerResult.RunStats stats(MethodConfig method, QuantKernel used, long nanos, List<String> guards) {
        if (method instanceof ComqConfig) {
            return new LayerResult.RunStats(method.method(), method.precision(), used.name(), used.device(),
                    used.threads(), nanos, guards);
        }
        if (method instanceof GptqConfig) {
            return new LayerResult.RunStats(method.method(), method.precision(), GPTQ_BACKEND, "CPU, OpenBLAS/LAPACK",
                    Runtime.getRuntime().availableProcessors(), nanos, guards);
        }
        return new LayerResult.RunStats(method.method(), method.precision(), RTN_BACKEND, "CPU", 1, nanos, guards);
    }

    private static Quantized run(Matrix W, Matrix H, MethodConfig method, QuantKernel kernel, double normSq,
                                 ProgressListener listener) {
        if (method instanceof RtnConfig) {
            return Rtn.quantize(W, method.grid());
        }
        if (method instanceof GptqConfig g) {
            return Gptq.quantize(W, H, g, listener);
        }
        if (method instanceof ComqConfig c) {
            return Comq.quantize(W, H, c, kernel, normSq, listener);
        }
        if (method instanceof AutoConfig) {
            throw new InvalidConfigException("method auto chooses per layer by the error on held-out calibration data, "
                    + "which only a whole-model run has (comq quantize); pick rtn, gptq or comq for one layer");
        }
        throw new InvalidConfigException("unknown method '" + method.method() + "': use rtn, gptq or comq");
    }

    private static double rtnError(Matrix H, Matrix W, GridSpec spec, Precision precision) {
        Quantized r = Rtn.quantize(W, spec);
        return Objective.quadratic(H, Objective.difference(r.grid().dequantize(r.codes(), precision), W));
    }

    /**
     * Relative error. A zero denominator ({@code H W = 0}) gives 0 when the error is 0 too, and infinity when the
     * quantized weights leave the null space of {@code H}.
     */
    private static double rel(double err, double normSq) {
        if (normSq == 0) {
            return err == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return err / normSq;
    }

    /** {@code b_c = mu^T (W - Wq)}. */
    static double[] biasCorrection(double[] mu, Matrix W, Matrix wq) {
        int out = W.cols();
        double[] b = new double[out];
        for (int i = 0; i < mu.length; i++) {
            for (int j = 0; j < out; j++) {
                b[j] += mu[i] * (W.get(i, j) - wq.get(i, j));
            }
        }
        return b;
    }
}
