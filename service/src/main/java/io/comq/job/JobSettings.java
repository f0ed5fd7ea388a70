package io.comq.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.comq.error.InvalidConfigException;
import io.comq.format.onnx.LayerSelection;
import io.comq.kernel.KernelOptions;
import io.comq.pipeline.AccuracyOptions;
import io.comq.pipeline.ModelJob;
import io.comq.pipeline.OutputFormat;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.RtnConfig;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The quantization settings of a job: everything {@code comq quantize} offers for an ONNX model, by the same names
 * in camel case. Fields left out take the command line's defaults ({@link #resolved}); settings the chosen method
 * would ignore are refused, as on the command line.
 */
@Introspected
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobSettings(@Nullable String method, @Nullable Integer bits, @Nullable String grid,
                          @Nullable Integer groupSize, @Nullable Double ratio, @Nullable String tie,
                          @Nullable Integer sweeps, @Nullable String order, @Nullable String init,
                          @Nullable String scaleUpdate, @Nullable Double damp, @Nullable Boolean actOrder,
                          @Nullable Integer blockSize, @Nullable String precision, @Nullable Boolean biasCorrection,
                          @Nullable String format, @Nullable List<String> exclude, @Nullable List<String> excludeOps,
                          @Nullable Map<String, Integer> layerBits, @Nullable Integer batchSize,
                          @Nullable Double validationFraction, @Nullable Long seed, @Nullable String backend,
                          @Nullable Integer threads, @Nullable Double comqDamp, @Nullable String calibrationMode,
                          @Nullable Double avgBits, @Nullable List<Integer> candidateBits,
                          @Nullable Double overfitRatio, @Nullable Integer worstSamples) {

    private static final List<String> OPS = List.of("MatMul", "Gemm", "Conv");

    /** No settings given: every default. */
    public static JobSettings defaults() {
        return new JobSettings(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * These settings with every default filled in and every value checked (by building the engine's configs).
     *
     * @throws InvalidConfigException naming the setting to fix
     */
    public JobSettings resolved() {
        return resolved(name -> name);
    }

    /**
     * These settings resolved, with setting names in messages rendered by {@code option} (the command line passes
     * {@code sweeps -> --sweeps}).
     */
    public JobSettings resolved(UnaryOperator<String> option) {
        String m = or(method, "comq").trim().toLowerCase(Locale.ROOT);
        String withMethod = option.apply("method") + " ";
        switch (m) {
            case "rtn":
            case "auto":
                refuse(option, withMethod + m, withMethod + "comq", sweeps, "sweeps", order, "order", init, "init",
                        scaleUpdate, "scaleUpdate", comqDamp, "comqDamp");
                refuse(option, withMethod + m, withMethod + "gptq (or " + withMethod + "comq " + option.apply("init")
                        + " gptq)", damp, "damp", actOrder, "actOrder", blockSize, "blockSize");
                break;
            case "gptq":
                refuse(option, withMethod + m, withMethod + "comq", sweeps, "sweeps", order, "order", init, "init",
                        scaleUpdate, "scaleUpdate", comqDamp, "comqDamp");
                break;
            case "comq":
                if (!"gptq".equalsIgnoreCase(or(init, "fp").trim())) {
                    refuse(option, withMethod + m, withMethod + "gptq or " + option.apply("init") + " gptq", damp,
                            "damp", actOrder, "actOrder", blockSize, "blockSize");
                }
                break;
            default:
                throw new InvalidConfigException("unknown " + option.apply("method") + " '" + method
                        + "': use comq, gptq, rtn or auto");
        }
        boolean comq = m.equals("comq");
        boolean gptq = m.equals("gptq") || comq && "gptq".equalsIgnoreCase(or(init, "fp").trim());
        String fmt = or(format, "qdq").trim().toLowerCase(Locale.ROOT);
        if (!OutputFormat.parse(fmt).isOnnx()) {
            throw new InvalidConfigException("format '" + format + "' is not offered by the service: it quantizes "
                    + "ONNX models from a calibration set; use qdq or matmulnbits");
        }
        JobSettings r = new JobSettings(m, or(bits, 4), or(grid, "sym-maxabs"), or(groupSize, 0), or(ratio, 1.0),
                or(tie, "half-even"), comq ? or(sweeps, 3) : null, comq ? or(order, "greedy") : null,
                comq ? or(init, "fp") : null, comq ? or(scaleUpdate, "none") : null, gptq ? or(damp, 0.01) : null,
                gptq ? or(actOrder, false) : null, gptq ? or(blockSize, 128) : null, or(precision, "float32"),
                or(biasCorrection, false), fmt, exclude == null ? List.of() : List.copyOf(exclude),
                excludeOps == null ? List.of() : List.copyOf(excludeOps),
                layerBits == null ? Map.of() : new LinkedHashMap<>(layerBits), or(batchSize, 16),
                or(validationFraction, ModelJob.DEFAULT_VALIDATION_FRACTION), or(seed, 0L), or(backend, "auto"),
                or(threads, 0), comq ? or(comqDamp, 0.0) : null,
                or(calibrationMode, AccuracyOptions.CalibrationMode.AUTO.id()),
                or(avgBits, 0.0), candidateBits == null ? AccuracyOptions.DEFAULT_CANDIDATE_BITS
                : List.copyOf(candidateBits), or(overfitRatio, AccuracyOptions.DEFAULT_OVERFIT_RATIO),
                or(worstSamples, AccuracyOptions.DEFAULT_WORST_SAMPLES));
        r.layerConfig();
        r.accuracy();
        r.selection();
        r.kernel();
        return r;
    }

    /** The engine's job for these (resolved) settings. */
    public ModelJob modelJob(Path model, Path calibration, Path out) {
        return new ModelJob(model, calibration, null, out, OutputFormat.parse(format), layerConfig(), selection(),
                batchSize, validationFraction, seed, kernel(), true, accuracy());
    }

    /** Calibration mode, held-out reporting and mixed precision (resolved settings only). */
    AccuracyOptions accuracy() {
        return new AccuracyOptions(AccuracyOptions.CalibrationMode.parse(calibrationMode), overfitRatio,
                worstSamples, avgBits, candidateBits);
    }

    /**
     * The {@code comq quantize} options that give these (resolved) settings, except the format and the paths: what a
     * sharded job's pods run with.
     */
    public List<String> quantizeOptions() {
        List<String> o = new ArrayList<>();
        option(o, "--method", method);
        option(o, "--bits", bits);
        option(o, "--grid", grid);
        option(o, "--group-size", groupSize);
        option(o, "--ratio", ratio);
        option(o, "--tie", tie);
        option(o, "--sweeps", sweeps);
        option(o, "--order", order);
        option(o, "--init", init);
        option(o, "--scale-update", scaleUpdate);
        option(o, "--damp", damp);
        option(o, "--block-size", blockSize);
        if (comqDamp != null && comqDamp != 0) {
            option(o, "--comq-damp", comqDamp);
        }
        option(o, "--precision", precision);
        if (Boolean.TRUE.equals(actOrder)) {
            o.add("--act-order");
        }
        if (Boolean.TRUE.equals(biasCorrection)) {
            o.add("--bias-correction");
        }
        for (String e : exclude) {
            option(o, "--exclude", e);
        }
        for (String e : excludeOps) {
            option(o, "--exclude-op", e);
        }
        layerBits.forEach((name, b) -> option(o, "--layer-bits", name + "=" + b));
        option(o, "--batch-size", batchSize);
        option(o, "--validation-fraction", validationFraction);
        option(o, "--seed", seed);
        option(o, "--backend", backend);
        option(o, "--threads", threads);
        option(o, "--overfit-ratio", overfitRatio);
        option(o, "--worst-samples", worstSamples);
        // shards calibrate in parallel, which is what auto gives them: said outright so that a single run with the
        // same options gives the same model
        option(o, "--calibration-mode", AccuracyOptions.CalibrationMode.parse(calibrationMode)
                == AccuracyOptions.CalibrationMode.AUTO ? AccuracyOptions.CalibrationMode.PARALLEL.id() : calibrationMode);
        return o;
    }

    /**
     * Whether these (resolved) settings can be split into shards: parallel or automatic calibration (auto calibrates
     * shards in parallel) and no mixed precision ({@code comq quantize --shard} refuses the others).
     */
    public boolean shardable() {
        AccuracyOptions.CalibrationMode mode = AccuracyOptions.CalibrationMode.parse(calibrationMode);
        return (mode == AccuracyOptions.CalibrationMode.PARALLEL || mode == AccuracyOptions.CalibrationMode.AUTO)
                && (avgBits == null || avgBits == 0);
    }

    private static void option(List<String> out, String name, @Nullable Object value) {
        if (value != null) {
            out.add(name);
            out.add(value.toString());
        }
    }

    /** The method, grid and bias settings of every layer (resolved settings only). */
    LayerConfig layerConfig() {
        GridSpec g = new GridSpec(bits, Grid.parse(grid), ratio, groupSize, TieRule.parse(tie));
        Precision p = Precision.parse(precision);
        GptqConfig q = damp == null ? null : new GptqConfig(g, damp, actOrder, blockSize, p);
        MethodConfig mc;
        switch (method) {
            case "rtn":
                mc = new RtnConfig(g, p);
                break;
            case "gptq":
                mc = q;
                break;
            case "auto":
                mc = AutoConfig.standard(g, p);
                break;
            default:
                mc = new ComqConfig(g, sweeps, ComqConfig.Order.parse(order), ComqConfig.Init.parse(init), q,
                        ComqConfig.ScaleUpdate.parse(scaleUpdate), p, comqDamp);
        }
        return new LayerConfig(mc, biasCorrection);
    }

    LayerSelection selection() {
        List<String> ops = List.of();
        if (!excludeOps.isEmpty()) {
            Set<String> keep = new LinkedHashSet<>(OPS);
            for (String op : excludeOps) {
                if (!LayerSelection.SUPPORTED_OPS.contains(op)) {
                    throw new InvalidConfigException("excludeOps: '" + op + "' is not a quantizable op type; use "
                            + "one of " + OPS);
                }
                keep.remove(op);
            }
            if (keep.isEmpty()) {
                throw new InvalidConfigException("excludeOps excludes every quantizable op type; nothing would be "
                        + "quantized");
            }
            ops = new ArrayList<>(keep);
        }
        List<String> overrides = new ArrayList<>();
        layerBits.forEach((name, b) -> overrides.add(name + "=" + b));
        return LayerSelection.parse(exclude, ops, overrides);
    }

    KernelOptions kernel() {
        return new KernelOptions(backend, threads, "");
    }

    private static void refuse(UnaryOperator<String> option, String method, String where, Object... valueNamePairs) {
        for (int k = 0; k < valueNamePairs.length; k += 2) {
            if (valueNamePairs[k] != null) {
                throw new InvalidConfigException(option.apply((String) valueNamePairs[k + 1]) + " has no effect with "
                        + method + "; it applies to " + where);
            }
        }
    }

    /** The method settings alone (method, grid, precision), for a caller that needs no job. */
    public MethodConfig methodConfig() {
        return layerConfig().method();
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }
}
