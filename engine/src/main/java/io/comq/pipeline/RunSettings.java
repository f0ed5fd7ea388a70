package io.comq.pipeline;

import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.layer.LayerConfig;
import io.comq.quant.GridSpec;
import io.comq.quant.method.AutoConfig;
import io.comq.quant.method.MethodConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of a whole-model run as its report records them, and each layer's config at given bits (the run's
 * method on the run's grid), with the group-size check every run makes before any work.
 */
final class RunSettings {
    private RunSettings() {
    }

    static int bits(ModelJob job) {
        return job.layer().method().grid().bits();
    }

    static void checkGroups(LayerConfig c, String layer, int in) {
        try {
            c.method().grid().groups(in);
        } catch (InvalidConfigException e) {
            throw new InvalidConfigException("layer " + layer + ": " + e.getMessage() + " (exclude the layer or "
                    + "choose another group size)");
        }
    }

    /** The job's layer settings at {@code bits}. */
    static LayerConfig configFor(ModelJob job, int bits) {
        MethodConfig m = job.layer().method();
        if (m.grid().bits() == bits) {
            return job.layer();
        }
        MethodConfig at = AutoConfig.onGrid(m, m.grid().withBits(bits));
        return new LayerConfig(at, job.layer().biasCompensation());
    }

    /** The report's settings; {@code mode} is the calibration mode the run uses (null without calibration). */
    static Map<String, String> of(ModelJob job, AccuracyOptions.CalibrationMode mode, int samples,
                                        CalibrationSplit split) {
        MethodConfig m = job.layer().method();
        GridSpec g = m.grid();
        Map<String, String> s = new LinkedHashMap<>();
        s.put("format", job.format().id());
        s.put("method", m.method());
        s.putAll(m.reportSettings());
        s.put("bits", Integer.toString(g.bits()));
        s.put("grid", g.grid().id());
        s.put("group_size", Integer.toString(g.groupSize()));
        s.put("ratio", Double.toString(g.ratio()));
        s.put("tie", g.tie().id());
        s.put("precision", m.precision().id());
        s.put("bias_correction", Boolean.toString(job.layer().biasCompensation()));
        if (!job.selection().exclude().isEmpty()) {
            s.put("exclude", String.join(" ", job.selection().exclude()));
        }
        if (!job.selection().opTypes().isEmpty()) {
            s.put("op_types", String.join(" ", job.selection().opTypes()));
        }
        if (!job.selection().bitOverrides().isEmpty()) {
            s.put("layer_bits", job.selection().bitOverrides().toString());
        }
        s.put("backend", job.kernel().backend());
        if (job.format().isOnnx()) {
            s.put("calibration", job.calibration().toString());
            s.put("calibration_samples", Integer.toString(samples));
            s.put("fit_samples", Integer.toString(split.fit().samples()));
            s.put("validation_samples", Integer.toString(split.hasValidation() ? split.validate().samples() : 0));
            s.put("validation_fraction", String.format(Locale.ROOT, "%s", job.validationFraction()));
            s.put("batch_size", Integer.toString(job.batchSize()));
            s.put("calibration_mode", mode.id());
            if (job.accuracy().calibrationMode() == AccuracyOptions.CalibrationMode.AUTO) {
                s.put("calibration_mode_asked", AccuracyOptions.CalibrationMode.AUTO.id());
            }
            if (job.accuracy().mixedPrecision()) {
                s.put("avg_bits", Double.toString(job.accuracy().avgBits()));
                s.put("candidate_bits", job.accuracy().candidateBits().toString());
            }
        } else {
            s.put("gram_dir", job.gramDir().toString());
        }
        return s;
    }
}
