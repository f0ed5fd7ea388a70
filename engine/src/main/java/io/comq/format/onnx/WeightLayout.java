package io.comq.format.onnx;

/** How a stored weight maps onto the engine's {@code W (in, out)}. */
public enum WeightLayout {
    /** Stored as {@code (in, out)}: MatMul's B, Gemm's B with {@code transB=0}. Output channels on axis 1. */
    IN_OUT,
    /**
     * Stored as {@code (out, in...)}: Gemm's B with {@code transB=1}, Conv's {@code (out, in/groups, k...)} whose
     * trailing axes flatten to {@code in}. Output channels on axis 0.
     */
    OUT_IN
}
