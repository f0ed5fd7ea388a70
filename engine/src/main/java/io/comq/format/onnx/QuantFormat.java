package io.comq.format.onnx;

import io.comq.numeric.Names;

/** How quantized weights are written into the model. */
public enum QuantFormat {
    /**
     * Integer initializers with a {@code DequantizeLinear} node before each layer (standard ONNX, any runtime):
     * INT4/INT8 for symmetric grids, UINT4/UINT8 with zero points for asymmetric ones; per-axis or blocked scales.
     * Note that ONNX Runtime above {@code BASIC_OPT} may fuse {@code DequantizeLinear -> MatMul} into a matmul that
     * also quantizes the activations dynamically, which changes the numbers; compare accuracy at {@code BASIC_OPT}.
     */
    QDQ("qdq"),
    /**
     * ONNX Runtime's {@code com.microsoft.MatMulNBits} for MatMul layers of up to 4 bits whose group size is a power
     * of two of at least 16 (or per-channel); every other quantized layer is written as QDQ.
     */
    MATMULNBITS("matmulnbits");

    private final String id;

    QuantFormat(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static QuantFormat parse(String s) {
        return Names.parse(QuantFormat.class, s, QuantFormat::id);
    }
}
