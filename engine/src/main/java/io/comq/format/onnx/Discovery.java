package io.comq.format.onnx;

import java.util.List;

/**
 * Everything discovery found in a model, before any selection.
 *
 * @param layers  quantizable layers, in graph order (main graph first, then subgraphs)
 * @param skipped MatMul/Gemm/Conv nodes that are not quantizable, each with the reason
 */
public record Discovery(List<OnnxLayer> layers, List<String> skipped) {
    public Discovery {
        layers = List.copyOf(layers);
        skipped = List.copyOf(skipped);
    }
}
