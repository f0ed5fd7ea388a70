package io.comq.calibration;

import io.comq.error.InvalidConfigException;

/**
 * How a model is run over calibration data.
 *
 * @param batchSize    samples per ONNX Runtime run (a model with a fixed batch dimension overrides it)
 * @param maxGramBytes float64 Gram matrices held at once; targets are split into passes over the data so that one pass
 *                     stays within it (a single layer larger than it gets a pass of its own). With a sink that quantizes
 *                     and drops each layer's statistics, peak memory is about this plus one batch of activations.
 * @param maskInput    name of a {@code (batch, sequence)} model input whose zeros mark padding (usually
 *                     {@code attention_mask}), or {@code null}. When the model has this input, activation rows of padded
 *                     positions are left out of {@code H} (padding is not data), and each batch is cut after its last
 *                     unpadded position (inputs of shape {@code (batch, sequence, ...)} with a dynamic second axis).
 * @param chunkRows    rows converted and accumulated at a time, to bound the copies of one activation
 */
public record CalibrationOptions(int batchSize, long maxGramBytes, String maskInput, int chunkRows) {

    /** 1 GiB of Gram matrices per pass. */
    public static final long DEFAULT_MAX_GRAM_BYTES = 1L << 30;

    public CalibrationOptions {
        if (batchSize <= 0) {
            throw new InvalidConfigException("the calibration batch size must be positive, got " + batchSize);
        }
        if (maxGramBytes <= 0) {
            throw new InvalidConfigException("the Gram memory budget must be positive, got " + maxGramBytes);
        }
        if (chunkRows <= 0) {
            throw new InvalidConfigException("chunk rows must be positive, got " + chunkRows);
        }
    }

    /** Batches of 16, 1 GiB of Gram matrices per pass, padding masked by {@code attention_mask}, chunks of 4096 rows. */
    public static CalibrationOptions defaults() {
        return new CalibrationOptions(16, DEFAULT_MAX_GRAM_BYTES, "attention_mask", 4096);
    }

    public CalibrationOptions withBatchSize(int n) {
        return new CalibrationOptions(n, maxGramBytes, maskInput, chunkRows);
    }

    public CalibrationOptions withMaxGramBytes(long bytes) {
        return new CalibrationOptions(batchSize, bytes, maskInput, chunkRows);
    }

    public CalibrationOptions withMaskInput(String name) {
        return new CalibrationOptions(batchSize, maxGramBytes, name, chunkRows);
    }

    public CalibrationOptions withChunkRows(int rows) {
        return new CalibrationOptions(batchSize, maxGramBytes, maskInput, rows);
    }
}
