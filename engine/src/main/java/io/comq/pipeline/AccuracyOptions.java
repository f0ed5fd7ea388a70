package io.comq.pipeline;

import io.comq.error.InvalidConfigException;
import io.comq.quant.Names;

/**
 * The accuracy settings of a whole-model run (ONNX): how layers are calibrated, and what the report says about
 * held-out data.
 *
 * @param calibrationMode how each layer's inputs are produced
 * @param overfitRatio    a layer whose held-out error exceeds its fit error by more than this factor is flagged in
 *                        the report (over-fitting a small calibration set); at least 1
 * @param worstSamples    how many of the worst held-out samples (lowest cosine) the report lists, 0 for none
 */
public record AccuracyOptions(CalibrationMode calibrationMode, double overfitRatio, int worstSamples) {

    /** The default over-fitting warning threshold. */
    public static final double DEFAULT_OVERFIT_RATIO = 2.0;
    /** The default number of worst held-out samples listed. */
    public static final int DEFAULT_WORST_SAMPLES = 5;

    /** Where each layer's calibration inputs come from. */
    public enum CalibrationMode {
        /**
         * From the model whose earlier layers are already quantized: each layer is fitted to the inputs it will
         * really see, and corrects the error of the layers before it. One pass over the data per group of layers
         * reading the same tensor.
         */
        SEQUENTIAL("sequential"),
        /** From the float model, all layers in one pass over the data (each layer fitted in isolation). */
        PARALLEL("parallel");

        private final String id;

        CalibrationMode(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static CalibrationMode parse(String s) {
            return Names.parse(CalibrationMode.class, s, CalibrationMode::id);
        }
    }

    public AccuracyOptions {
        if (calibrationMode == null) {
            throw new InvalidConfigException("a calibration mode is required: sequential or parallel");
        }
        if (!(overfitRatio >= 1)) {
            throw new InvalidConfigException("the over-fitting ratio must be at least 1, got " + overfitRatio);
        }
        if (worstSamples < 0) {
            throw new InvalidConfigException("the number of worst samples must be 0 or more, got " + worstSamples);
        }
    }

    /** Sequential calibration, flag at 2x, 5 worst samples. */
    public static AccuracyOptions defaults() {
        return new AccuracyOptions(CalibrationMode.SEQUENTIAL, DEFAULT_OVERFIT_RATIO, DEFAULT_WORST_SAMPLES);
    }

    public AccuracyOptions withCalibrationMode(CalibrationMode m) {
        return new AccuracyOptions(m, overfitRatio, worstSamples);
    }
}
