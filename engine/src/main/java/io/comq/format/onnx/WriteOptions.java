package io.comq.format.onnx;

import io.comq.error.InvalidConfigException;

/**
 * How {@link OnnxWriter} writes a quantized model.
 *
 * @param format                the representation of quantized weights
 * @param externalDataThreshold when the model's tensors add up to more than this many bytes, tensors of at least
 *                              {@link #EXTERNAL_MIN_BYTES} go to an external data file beside the model (protobuf
 *                              cannot exceed 2 GB); default {@link #DEFAULT_EXTERNAL_THRESHOLD}
 */
public record WriteOptions(QuantFormat format, long externalDataThreshold) {

    /** About 1.8 GB, safely under protobuf's 2 GB limit. */
    public static final long DEFAULT_EXTERNAL_THRESHOLD = 1_800_000_000L;

    /** Tensors smaller than this stay inside the model file even when external data is written. */
    public static final int EXTERNAL_MIN_BYTES = 1024;

    public WriteOptions {
        if (format == null) {
            throw new InvalidConfigException("an output format is required: qdq or matmulnbits");
        }
        if (externalDataThreshold < 0) {
            throw new InvalidConfigException("the external data threshold must be >= 0 bytes, got "
                    + externalDataThreshold);
        }
    }

    public static WriteOptions of(QuantFormat format) {
        return new WriteOptions(format, DEFAULT_EXTERNAL_THRESHOLD);
    }

    public WriteOptions withExternalDataThreshold(long bytes) {
        return new WriteOptions(format, bytes);
    }
}
