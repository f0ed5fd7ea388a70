package io.comq.layer;

import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.numeric.Precision;
import io.comq.quant.GridSpec;
import io.comq.quant.LayerProblem;
import io.comq.quant.ProgressListener;
import io.comq.quant.Quantized;
import io.comq.quant.comq.Comq;
import io.comq.quant.gptq.Gptq;
import io.comq.quant.linalg.DenseMath;
import io.comq.quant.linalg.Linalg;
import io.comq.quant.linalg.Objective;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.quant.rtn.Rtn;
import io.comq.tensor.Matrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The engine's public entry point for one layer: validates the problem against the config, runs RTN, GPTQ or COMQ,
 * and measures the result. Every method's relative error is computed the same way
 * ({@code tr((Wq-W)^T H (Wq-W)) / tr(W^T H W)}, by {@link Objective} in the run's precision), next to the RTN baseline
 * on the same grid, so that reports compare like with like.
 *
 * <p>COMQ runs its sweeps on the given kernel; GPTQ runs on the process's checked math ({@link Linalg}: OpenBLAS, or
 * plain Java where OpenBLAS cannot be trusted) and RTN in plain Java whatever the kernel, and
 * {@link LayerResult.RunStats} names what actually ran. A GPTQ result whose error is not below RTN's is computed again
 * in plain Java: if that does clearly better, OpenBLAS was wrong, and the plain-Java result is the one returned.
 * {@link LayerResult.RunStats#nanos()} is the time of the method itself (grid fitting, factorization, sweeps), without
 * the error evaluations and the bias compensation.
 */
public final class LayerQuantizer {

    /** {@link LayerResult.RunStats#backend()} of RTN runs: plain Java. */
    public static final String RTN_BACKEND = "java";

    private final QuantKernel kernel;
    private final Linalg linalg;

    /** A quantizer running COMQ sweeps on {@code kernel} (the caller owns and closes it), on the process's math. */
    public LayerQuantizer(QuantKernel kernel) {
        this(kernel, Linalg.process());
    }

    /** A quantizer running COMQ sweeps on {@code kernel}, and GPTQ and the error measurements on {@code linalg}. */
    public LayerQuantizer(QuantKernel kernel, Linalg linalg) {
        if (kernel == null || linalg == null) {
            throw new IllegalArgumentException("a kernel and a math are required");
        }
        this.kernel = kernel;
        this.linalg = linalg;
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
        double normSq = linalg.math().quadratic(H, W);

        List<String> guards = new ArrayList<>();
        QuantKernel used = kernel;
        if (method.sweepsOnKernel() && !kernel.supports(precision)) {
            used = new Kernels().create(new KernelOptions("cpu-scalar", Math.max(1, kernel.threads()), ""));
            guards.add("kernel " + kernel.name() + " does not support " + precision.id() + ": used " + used.name());
        }
        Quantized q;
        long t0 = System.nanoTime();
        try {
            q = run(W, H, method, used, normSq, progress, linalg);
        } finally {
            if (used != kernel) {
                used.close();
            }
        }
        long nanos = System.nanoTime() - t0;
        guards.addAll(q.guards());

        Matrix wq = q.grid().dequantize(q.codes(), precision);
        DenseMath math = linalg.math();
        double err = math.quadratic(H, Objective.difference(wq, W));
        double rtnErr = method instanceof RtnConfig ? err : rtnError(H, W, spec, precision, math);
        if (method instanceof GptqConfig g && err >= rtnErr && rtnErr > 0 && linalg.usesNative()) {
            Quantized second = secondOpinion(W, H, g, q, guards);
            if (second != q) {
                q = second;
                math = linalg.math();
                wq = q.grid().dequantize(q.codes(), precision);
                err = math.quadratic(H, Objective.difference(wq, W));
                rtnErr = rtnError(H, W, spec, precision, math);
            }
        }
        double[] perSweep = new double[q.errPerSweep().length];
        for (int k = 0; k < perSweep.length; k++) {
            perSweep[k] = rel(q.errPerSweep()[k], normSq);
        }
        double[] bias = config.biasCompensation() ? biasCorrection(problem.meanRow(), W, wq) : null;
        LayerResult.RunStats stats = stats(method, used, nanos, guards, linalg.math().name());
        return new LayerResult(in, out, spec, q.codes(), q.grid().scaleMatrix(), q.grid().lo().clone(),
                q.grid().hi().clone(), wq, bias, rel(rtnErr, normSq), perSweep, rel(err, normSq), stats);
    }

    private static Matrix inPrecision(Matrix m, Precision precision) {
        return precision == Precision.FLOAT64 ? m.toF64() : m.toF32();
    }

    /**
     * GPTQ did not beat RTN on OpenBLAS: run it again in plain Java and compare both by plain Java's objective. If plain
     * Java does clearly better (1% less error), OpenBLAS computed it wrong: it is turned off for the rest of the run and
     * plain Java's result is returned; otherwise {@code q}, with a guard saying the check agreed.
     */
    private Quantized secondOpinion(Matrix W, Matrix H, GptqConfig g, Quantized q, List<String> guards) {
        Precision precision = g.precision();
        DenseMath plainJava = linalg.reference();
        Quantized plain = Gptq.quantize(W, H, g, ProgressListener.NONE, linalg.javaOnly());
        double errNative = plainJava.quadratic(H, Objective.difference(q.grid().dequantize(q.codes(), precision), W));
        double errPlain = plainJava.quadratic(H,
                Objective.difference(plain.grid().dequantize(plain.codes(), precision), W));
        if (errPlain < 0.99 * errNative) {
            String what = String.format(Locale.ROOT, "GPTQ on OpenBLAS gave error %.6g, not below RTN's; "
                    + "GPTQ in plain Java gave %.6g", errNative, errPlain);
            linalg.distrust(what);
            guards.add(what + ": used plain Java's, and plain Java runs for the rest of this run");
            linalg.math(); // refuses here under COMQ_MATH=native
            return plain;
        }
        guards.add("GPTQ's error is not below RTN's on this layer; GPTQ in plain Java agrees");
        return q;
    }

    /** What ran: the kernel for COMQ, the checked math for GPTQ, plain Java for RTN. */
    private static LayerResult.RunStats stats(MethodConfig method, QuantKernel used, long nanos, List<String> guards,
                                              String math) {
        if (method instanceof ComqConfig) {
            return new LayerResult.RunStats(method.method(), method.precision(), used.name(), used.device(),
                    used.threads(), nanos, guards);
        }
        if (method instanceof GptqConfig) {
            return new LayerResult.RunStats(method.method(), method.precision(), math,
                    "CPU, " + ("openblas".equals(math) ? "OpenBLAS/LAPACK" : "plain Java (OpenBLAS off)"),
                    Runtime.getRuntime().availableProcessors(), nanos, guards);
        }
        return new LayerResult.RunStats(method.method(), method.precision(), RTN_BACKEND, "CPU", 1, nanos, guards);
    }

    private static Quantized run(Matrix W, Matrix H, MethodConfig method, QuantKernel kernel, double normSq,
                                 ProgressListener listener, Linalg linalg) {
        if (method instanceof RtnConfig) {
            return Rtn.quantize(W, method.grid());
        }
        if (method instanceof GptqConfig g) {
            return Gptq.quantize(W, H, g, listener, linalg);
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

    private static double rtnError(Matrix H, Matrix W, GridSpec spec, Precision precision, DenseMath math) {
        Quantized r = Rtn.quantize(W, spec);
        return math.quadratic(H, Objective.difference(r.grid().dequantize(r.codes(), precision), W));
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
