package io.comq.pipeline;

import io.comq.format.onnx.QuantFormat;
import io.comq.numeric.Names;

/** What a whole-model run writes. */
public enum OutputFormat {
    /** An ONNX model with DequantizeLinear nodes (from an ONNX model). */
    QDQ("qdq", QuantFormat.QDQ),
    /** An ONNX model with com.microsoft.MatMulNBits where it applies, QDQ elsewhere (from an ONNX model). */
    MATMULNBITS("matmulnbits", QuantFormat.MATMULNBITS),
    /** A GPTQ checkpoint in safetensors (from a safetensors checkpoint with Gram matrices supplied). */
    SAFETENSORS("safetensors", null);

    private final String id;
    private final QuantFormat onnx;

    OutputFormat(String id, QuantFormat onnx) {
        this.id = id;
        this.onnx = onnx;
    }

    public String id() {
        return id;
    }

    /** The ONNX writer's format, or null for safetensors. */
    public QuantFormat onnx() {
        return onnx;
    }

    public boolean isOnnx() {
        return onnx != null;
    }

    public static OutputFormat parse(String s) {
        return Names.parse(OutputFormat.class, s, OutputFormat::id);
    }
}
