package io.comq.pipeline;

import io.comq.error.InvalidConfigException;
import io.comq.numeric.Names;
import io.comq.option.Setting;
import java.util.List;

/**
 * The accuracy settings of a whole-model run (ONNX): how layers are calibrated, and what the report says about
 * held-out data.
 *
 * @param calibrationMode how each layer's inputs are produced
 * @param overfitRatio    a layer whose held-out error exceeds its fit error by more than this factor is flagged in
 *                        the report (over-fitting a small calibration set); at least 1
 * @param worstSamples    how many of the worst held-out samples (lowest cosine) the report lists, 0 for none
 * @param avgBits         mixed precision: the budget of weight-weighted average bits per weight, chosen per layer
 *                        among {@code candidateBits} by measured sensitivity ({@link Sensitivity},
 *                        {@link BitAllocator}); 0 for the same bits everywhere
 * @param candidateBits   the bits a layer may get under mixed precision
 */
public record AccuracyOptions(CalibrationMode calibrationMode, double overfitRatio, int worstSamples, double avgBits,
                              List<Integer> candidateBits) {

    /** The default candidate bits of mixed precision. */
    public static final List<Integer> DEFAULT_CANDIDATE_BITS = List.of(3, 4, 8);

    /** The most stages (groups of layers reading one tensor) for which {@link CalibrationMode#AUTO} corrects. */
    public static final int AUTO_MAX_STAGES = 64;

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
        /**
         * Sequential, and each layer's target corrected for the error its inputs carry: the float model runs beside
         * the partly quantized one, and each layer minimizes {@code ||X~ Wq - X W||} (its output on the inputs it
         * will see against the float layer's output on the float inputs) instead of {@code ||X~ (Wq - W)||}. MatMul
         * and Gemm layers; conv layers are fitted as in {@link #SEQUENTIAL}. Twice the model runs of sequential.
         */
        CORRECTED("corrected"),
        /**
         * {@link #CORRECTED} where it applies and stays affordable, else {@link #PARALLEL}: corrected when every
         * layer is a MatMul or Gemm of the main graph, the run is not one shard of several, and the model has at most
         * {@link #AUTO_MAX_STAGES} stages (each stage runs the model up to it twice, so the cost grows with the square
         * of the depth). On all-MiniLM-L6-v2 corrected measured best (docs/ACCURACY.md).
         */
        AUTO("auto"),
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
            throw new InvalidConfigException("a calibration mode is required: auto, corrected, sequential or parallel");
        }
        if (!(overfitRatio >= 1)) {
            throw new InvalidConfigException("the over-fitting ratio must be at least 1, got " + overfitRatio);
        }
        candidateBits = candidateBits == null ? DEFAULT_CANDIDATE_BITS : List.copyOf(candidateBits);
        for (int b : candidateBits) {
            if (b < 2 || b > 8) {
                throw new InvalidConfigException("candidate bits must be between 2 and 8, got " + b);
            }
        }
        if (!(avgBits == 0 || (avgBits >= 2 && avgBits <= 8))) {
            throw new InvalidConfigException("the average bits must be 0 (off) or between 2 and 8, got " + avgBits);
        }
        if (avgBits > 0 && new java.util.TreeSet<>(candidateBits).size() < 2) {
            throw new InvalidConfigException("mixed precision needs at least two candidate bit widths, got "
                    + candidateBits);
        }
        if (avgBits > 0 && avgBits < java.util.Collections.min(candidateBits)) {
            throw new InvalidConfigException("an average of " + avgBits + " bits per weight is below the fewest "
                    + "candidate bits (" + java.util.Collections.min(candidateBits) + "); raise "
                    + Setting.AVG_BITS.ref() + " or add a "
                    + "lower candidate");
        }
        if (worstSamples < 0) {
            throw new InvalidConfigException("the number of worst samples must be 0 or more, got " + worstSamples);
        }
    }

    /**
     * Automatic calibration mode (corrected where it applies: it measured best end to end on all-MiniLM-L6-v2, see
     * docs/ACCURACY.md; parallel otherwise), flag at 2x, 5 worst samples, no mixed precision.
     */
    public static AccuracyOptions defaults() {
        return new AccuracyOptions(CalibrationMode.AUTO, DEFAULT_OVERFIT_RATIO, DEFAULT_WORST_SAMPLES, 0,
                DEFAULT_CANDIDATE_BITS);
    }

    public AccuracyOptions withCalibrationMode(CalibrationMode m) {
        return new AccuracyOptions(m, overfitRatio, worstSamples, avgBits, candidateBits);
    }

    /** Mixed precision at this average over these candidate bits. */
    public AccuracyOptions withMixedPrecision(double avg, List<Integer> bits) {
        return new AccuracyOptions(calibrationMode, overfitRatio, worstSamples, avg, bits);
    }

    /** Whether bits are chosen per layer. */
    public boolean mixedPrecision() {
        return avgBits > 0;
    }
}
