package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.Map;

/** The registry from op type to {@link OpHandler}; unknown op types and other domains pass through. */
final class OpHandlers {
    private final Map<String, OpHandler> handlers;

    private OpHandlers(Map<String, OpHandler> handlers) {
        this.handlers = Map.copyOf(handlers);
    }

    /** MatMul, Gemm and Conv of the standard domain. */
    static OpHandlers standard() {
        return new OpHandlers(Map.of("MatMul", new MatMulHandler(), "Gemm", new GemmHandler(), "Conv",
                new ConvHandler()));
    }

    OpHandler of(NodeProto node) {
        if (!NodeAttributes.standardDomain(node)) {
            return OpHandler.PASS_THROUGH;
        }
        return handlers.getOrDefault(node.getOpType(), OpHandler.PASS_THROUGH);
    }
}
