package io.comq.calibration;

import io.comq.error.InvalidInputException;
import java.util.Objects;

/**
 * One quantizable layer as calibration sees it: the tensor that feeds it and how that tensor becomes rows of
 * {@code X (rows, in)}.
 *
 * <ul>
 *   <li>MatMul / Gemm ({@code conv == null}): the activation has shape {@code (..., in)}; leading dimensions are
 *   flattened into rows.</li>
 *   <li>Conv ({@code conv != null}): the activation is {@code (N, C, H, W)} (or {@code (N, C, L)}); rows are im2col
 *   patches of length {@code in = C/groups * kh * kw}, one Gram matrix per group.</li>
 * </ul>
 *
 * @param layerName        the layer's name in reports (the node name)
 * @param activationTensor name of the graph tensor the layer reads its input from
 * @param in               rows of the layer's weight matrix (of one group for a conv)
 * @param conv             conv geometry, or {@code null} for MatMul/Gemm
 */
public record CalibrationTarget(String layerName, String activationTensor, int in, ConvGeometry conv) {
    public CalibrationTarget {
        Objects.requireNonNull(layerName, "layerName");
        Objects.requireNonNull(activationTensor, "activationTensor");
        if (in <= 0) {
            throw new InvalidInputException("layer '" + layerName + "' needs at least one input, got " + in);
        }
        if (conv != null && conv.patchSize() != in) {
            throw new InvalidInputException("conv layer '" + layerName + "' declares " + in
                    + " inputs but its geometry makes patches of " + conv.patchSize());
        }
    }

    /** A MatMul or Gemm layer reading {@code (..., in)}. */
    public static CalibrationTarget dense(String layerName, String activationTensor, int in) {
        return new CalibrationTarget(layerName, activationTensor, in, null);
    }

    /** A conv layer. */
    public static CalibrationTarget conv(String layerName, String activationTensor, ConvGeometry conv) {
        return new CalibrationTarget(layerName, activationTensor, conv.patchSize(), conv);
    }

    /** Number of Gram matrices: the conv's groups, else 1. */
    public int groups() {
        return conv == null ? 1 : conv.groups();
    }

    /** Bytes of this layer's Gram matrices in float64. */
    public long gramBytes() {
        return (long) groups() * in * in * Double.BYTES;
    }

    /** Two targets reading the same tensor the same way share their statistics. */
    Object statisticsKey() {
        return java.util.Arrays.asList(activationTensor, in, conv);
    }
}
