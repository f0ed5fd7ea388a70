package io.comq.settings;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.comq.error.InvalidConfigException;
import io.comq.format.onnx.LayerSelection;
import io.comq.kernel.KernelOptions;
import io.comq.layer.LayerConfig;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.option.OptionNames;
import io.comq.option.Setting;
import io.comq.pipeline.AccuracyOptions;
import io.comq.pipeline.ModelJob;
import io.comq.pipeline.OutputFormat;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.quant.method.RtnConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a whole-model run is asked to do, by name: the one settings model behind {@code comq quantize}'s options, a
 * service job's {@code settings} (the same names in JSON) and a sharded job's pod arguments. A field left null takes
 * its default in {@link #resolved}, which also refuses every setting the chosen method would ignore and every value
 * that cannot work, naming the setting as the asking front end names it ({@link OptionNames}).
 *
 * <p>Build one with {@link #builder()}; read it from JSON with Jackson (the record's components are the JSON fields).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QuantizeSettings(String method, Integer bits, String grid, Integer groupSize, Double ratio, String tie,
                               Integer sweeps, String order, String init, String scaleUpdate, Double damp,
                               Boolean actOrder, Integer blockSize, String precision, Boolean biasCorrection,
                               String format, List<String> exclude, List<String> excludeOps,
                               Map<String, Integer> layerBits, Integer batchSize, Double validationFraction, Long seed,
                               String backend, Integer threads, Double comqDamp, String calibrationMode,
                               Double avgBits, List<Integer> candidateBits, Double overfitRatio,
                               Integer worstSamples) {

    /** The methods a whole-model run offers. */
    public enum Method {
        COMQ, GPTQ, RTN, AUTO;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Method parse(String s, OptionNames names) {
            for (Method m : values()) {
                if (m.id().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new InvalidConfigException("unknown " + names.name(Setting.METHOD) + " '" + s
                    + "': use comq, gptq, rtn or auto");
        }
    }

    /** Every setting at its default. */
    public static QuantizeSettings defaults() {
        return builder().build();
    }

    /** A builder with every setting unset (its default). */
    public static Builder builder() {
        return new Builder();
    }

    /** These settings resolved with the names of the REST API. */
    public QuantizeSettings resolved() {
        return resolved(OptionNames.JSON);
    }

    /**
     * These settings with every default filled in and every value checked (by building the engine's configs).
     *
     * @throws InvalidConfigException naming the setting to fix, as {@code names} names it
     */
    public QuantizeSettings resolved(OptionNames names) {
        Method m = Method.parse(or(method, Method.COMQ.id()), names);
        String with = names.name(Setting.METHOD) + " ";
        boolean gptqInit = "gptq".equalsIgnoreCase(or(init, "fp").trim());
        switch (m) {
            case RTN, AUTO -> {
                refuse(names, with + m.id(), with + "comq", Setting.SWEEPS, sweeps, Setting.ORDER, order, Setting.INIT,
                        init, Setting.SCALE_UPDATE, scaleUpdate, Setting.COMQ_DAMP, comqDamp);
                refuse(names, with + m.id(), with + "gptq (or " + with + "comq " + names.name(Setting.INIT) + " gptq)",
                        Setting.DAMP, damp, Setting.ACT_ORDER, actOrder, Setting.BLOCK_SIZE, blockSize);
            }
            case GPTQ -> refuse(names, with + m.id(), with + "comq", Setting.SWEEPS, sweeps, Setting.ORDER, order,
                    Setting.INIT, init, Setting.SCALE_UPDATE, scaleUpdate, Setting.COMQ_DAMP, comqDamp);
            case COMQ -> {
                if (!gptqInit) {
                    refuse(names, with + m.id(), with + "gptq or " + names.name(Setting.INIT) + " gptq", Setting.DAMP,
                            damp, Setting.ACT_ORDER, actOrder, Setting.BLOCK_SIZE, blockSize);
                }
            }
        }
        boolean comq = m == Method.COMQ;
        boolean gptq = m == Method.GPTQ || comq && gptqInit;
        String fmt = or(format, OutputFormat.QDQ.id()).trim().toLowerCase(Locale.ROOT);
        OutputFormat.parse(fmt);
        QuantizeSettings r = new QuantizeSettings(m.id(), or(bits, 4), or(grid, Grid.SYM_MAXABS.id()),
                or(groupSize, 0), or(ratio, 1.0), or(tie, TieRule.HALF_EVEN.id()), comq ? or(sweeps, 3) : null,
                comq ? or(order, ComqConfig.Order.GREEDY.id()) : null, comq ? or(init, ComqConfig.Init.FP.id()) : null,
                comq ? or(scaleUpdate, ComqConfig.ScaleUpdate.NONE.id()) : null,
                gptq ? or(damp, GptqConfig.DEFAULT_DAMP) : null, gptq ? or(actOrder, false) : null,
                gptq ? or(blockSize, GptqConfig.DEFAULT_BLOCK_SIZE) : null, or(precision, Precision.FLOAT32.id()),
                or(biasCorrection, false), fmt, exclude == null ? List.of() : List.copyOf(exclude),
                excludeOps == null ? List.of() : List.copyOf(excludeOps),
                layerBits == null ? Map.of() : new LinkedHashMap<>(layerBits), or(batchSize, 16),
                or(validationFraction, ModelJob.DEFAULT_VALIDATION_FRACTION), or(seed, 0L), or(backend, "auto"),
                or(threads, 0), comq ? or(comqDamp, 0.0) : null,
                or(calibrationMode, AccuracyOptions.CalibrationMode.AUTO.id()), or(avgBits, 0.0),
                candidateBits == null ? AccuracyOptions.DEFAULT_CANDIDATE_BITS : List.copyOf(candidateBits),
                or(overfitRatio, AccuracyOptions.DEFAULT_OVERFIT_RATIO),
                or(worstSamples, AccuracyOptions.DEFAULT_WORST_SAMPLES));
        try {
            boolean onnx = OutputFormat.parse(fmt).isOnnx();
            // every check of a model job that needs no file: the same rules as the run itself, before any work
            r.modelJob(Path.of("model"), onnx ? Path.of("calibration") : null, onnx ? null : Path.of("gram"),
                    Path.of("out"), "", false);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException(names.render(e.getMessage()));
        }
        return r;
    }

    /** The engine's job for these (resolved) settings. */
    public ModelJob modelJob(Path model, Path calibration, Path gramDir, Path out, String device, boolean force) {
        return new ModelJob(model, calibration, gramDir, out, OutputFormat.parse(format), layerConfig(), selection(),
                batchSize, validationFraction, seed, kernel(device), force, accuracy());
    }

    /** Calibration mode, held-out reporting and mixed precision (resolved settings only). */
    public AccuracyOptions accuracy() {
        return new AccuracyOptions(AccuracyOptions.CalibrationMode.parse(calibrationMode), overfitRatio,
                worstSamples, avgBits, candidateBits);
    }

    /** The method, grid and bias settings of every layer (resolved settings only). */
    public LayerConfig layerConfig() {
        return new LayerConfig(methodConfig(), biasCorrection);
    }

    /** The method settings alone (method, grid, precision), for a caller that needs no model job. */
    public MethodConfig methodConfig() {
        GridSpec g = new GridSpec(bits, Grid.parse(grid), ratio, groupSize, TieRule.parse(tie));
        Precision p = Precision.parse(precision);
        GptqConfig q = damp == null ? null : new GptqConfig(g, damp, actOrder, blockSize, p);
        return switch (Method.valueOf(method.toUpperCase(Locale.ROOT))) {
            case RTN -> new RtnConfig(g, p);
            case GPTQ -> q;
            case AUTO -> AutoConfig.standard(g, p);
            case COMQ -> new ComqConfig(g, sweeps, ComqConfig.Order.parse(order), ComqConfig.Init.parse(init), q,
                    ComqConfig.ScaleUpdate.parse(scaleUpdate), p, comqDamp);
        };
    }

    /** Which layers are quantized, at which bits (resolved settings only). */
    public LayerSelection selection() {
        return new LayerSelection(exclude, new java.util.LinkedHashSet<>(LayerSelection.keptOps(excludeOps)),
                layerBits);
    }

    /** The kernel these settings ask for, on {@code device} (accelerators; empty for the default). */
    public KernelOptions kernel(String device) {
        return new KernelOptions(backend, threads, device);
    }

    /**
     * The {@code comq quantize} options that give these (resolved) settings, except the format and the paths: what a
     * sharded job's pods run with.
     */
    public List<String> arguments() {
        OptionNames cli = OptionNames.CLI;
        List<String> o = new ArrayList<>();
        option(o, Setting.METHOD, method);
        option(o, Setting.BITS, bits);
        option(o, Setting.GRID, grid);
        option(o, Setting.GROUP_SIZE, groupSize);
        option(o, Setting.RATIO, ratio);
        option(o, Setting.TIE, tie);
        option(o, Setting.SWEEPS, sweeps);
        option(o, Setting.ORDER, order);
        option(o, Setting.INIT, init);
        option(o, Setting.SCALE_UPDATE, scaleUpdate);
        option(o, Setting.DAMP, damp);
        option(o, Setting.BLOCK_SIZE, blockSize);
        if (comqDamp != null && comqDamp != 0) {
            option(o, Setting.COMQ_DAMP, comqDamp);
        }
        option(o, Setting.PRECISION, precision);
        if (Boolean.TRUE.equals(actOrder)) {
            o.add(cli.name(Setting.ACT_ORDER));
        }
        if (Boolean.TRUE.equals(biasCorrection)) {
            o.add(cli.name(Setting.BIAS_CORRECTION));
        }
        for (String e : exclude) {
            option(o, Setting.EXCLUDE, e);
        }
        for (String e : excludeOps) {
            option(o, Setting.EXCLUDE_OPS, e);
        }
        layerBits.forEach((name, b) -> option(o, Setting.LAYER_BITS, name + "=" + b));
        option(o, Setting.BATCH_SIZE, batchSize);
        option(o, Setting.VALIDATION_FRACTION, validationFraction);
        option(o, Setting.SEED, seed);
        option(o, Setting.BACKEND, backend);
        option(o, Setting.THREADS, threads);
        option(o, Setting.OVERFIT_RATIO, overfitRatio);
        option(o, Setting.WORST_SAMPLES, worstSamples);
        // shards calibrate in parallel, which is what auto gives them: said outright so that a single run with the
        // same options gives the same model
        option(o, Setting.CALIBRATION_MODE, AccuracyOptions.CalibrationMode.parse(calibrationMode)
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

    private static void option(List<String> out, Setting s, Object value) {
        if (value != null) {
            out.add(OptionNames.CLI.name(s));
            out.add(value.toString());
        }
    }

    /** Refuses the first of {@code (setting, value)} pairs whose value was given: it has no effect with the method. */
    private static void refuse(OptionNames names, String method, String where, Object... settingValuePairs) {
        for (int k = 0; k < settingValuePairs.length; k += 2) {
            if (settingValuePairs[k + 1] != null) {
                throw new InvalidConfigException(names.name((Setting) settingValuePairs[k]) + " has no effect with "
                        + method + "; it applies to " + where);
            }
        }
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    /** Named setters for {@link QuantizeSettings}; every setting left unset takes its default when resolved. */
    public static final class Builder {
        private String method;
        private Integer bits;
        private String grid;
        private Integer groupSize;
        private Double ratio;
        private String tie;
        private Integer sweeps;
        private String order;
        private String init;
        private String scaleUpdate;
        private Double damp;
        private Boolean actOrder;
        private Integer blockSize;
        private String precision;
        private Boolean biasCorrection;
        private String format;
        private List<String> exclude;
        private List<String> excludeOps;
        private Map<String, Integer> layerBits;
        private Integer batchSize;
        private Double validationFraction;
        private Long seed;
        private String backend;
        private Integer threads;
        private Double comqDamp;
        private String calibrationMode;
        private Double avgBits;
        private List<Integer> candidateBits;
        private Double overfitRatio;
        private Integer worstSamples;

        private Builder() {
        }

        public Builder method(String v) { method = v; return this; }
        public Builder bits(Integer v) { bits = v; return this; }
        public Builder grid(String v) { grid = v; return this; }
        public Builder groupSize(Integer v) { groupSize = v; return this; }
        public Builder ratio(Double v) { ratio = v; return this; }
        public Builder tie(String v) { tie = v; return this; }
        public Builder sweeps(Integer v) { sweeps = v; return this; }
        public Builder order(String v) { order = v; return this; }
        public Builder init(String v) { init = v; return this; }
        public Builder scaleUpdate(String v) { scaleUpdate = v; return this; }
        public Builder damp(Double v) { damp = v; return this; }
        public Builder actOrder(Boolean v) { actOrder = v; return this; }
        public Builder blockSize(Integer v) { blockSize = v; return this; }
        public Builder precision(String v) { precision = v; return this; }
        public Builder biasCorrection(Boolean v) { biasCorrection = v; return this; }
        public Builder format(String v) { format = v; return this; }
        public Builder exclude(List<String> v) { exclude = v; return this; }
        public Builder excludeOps(List<String> v) { excludeOps = v; return this; }
        public Builder layerBits(Map<String, Integer> v) { layerBits = v; return this; }
        public Builder batchSize(Integer v) { batchSize = v; return this; }
        public Builder validationFraction(Double v) { validationFraction = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder backend(String v) { backend = v; return this; }
        public Builder threads(Integer v) { threads = v; return this; }
        public Builder comqDamp(Double v) { comqDamp = v; return this; }
        public Builder calibrationMode(String v) { calibrationMode = v; return this; }
        public Builder avgBits(Double v) { avgBits = v; return this; }
        public Builder candidateBits(List<Integer> v) { candidateBits = v; return this; }
        public Builder overfitRatio(Double v) { overfitRatio = v; return this; }
        public Builder worstSamples(Integer v) { worstSamples = v; return this; }

        /** The settings as given (not yet resolved). */
        public QuantizeSettings build() {
            return new QuantizeSettings(method, bits, grid, groupSize, ratio, tie, sweeps, order, init, scaleUpdate,
                    damp, actOrder, blockSize, precision, biasCorrection, format, exclude, excludeOps, layerBits,
                    batchSize, validationFraction, seed, backend, threads, comqDamp, calibrationMode, avgBits,
                    candidateBits, overfitRatio, worstSamples);
        }
    }
}
