package io.comq.format.onnx;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link OnnxWriter} wrote.
 *
 * @param model        the model file
 * @param externalData the external data file beside it, or null when every tensor is inside the model
 * @param opset        the ai.onnx opset of the written model
 * @param opsetRaised  true when the opset had to be raised (DequantizeLinear per-axis needs 13, float16 scales 19,
 *                     INT4 and blocks 21); nodes whose op changed on the way were rewritten to compute the same values
 * @param layers       how each quantized layer was written
 */
public record WriteReport(Path model, Path externalData, long opset, boolean opsetRaised, List<Layer> layers) {
    public WriteReport {
        layers = List.copyOf(layers);
    }

    /**
     * One quantized layer.
     *
     * @param id             {@link OnnxLayer#id()}
     * @param representation e.g. {@code qdq INT4 per-channel axis 0} or {@code MatMulNBits bits=4 block_size=32}
     * @param biasFolded     how a bias correction was applied ({@code none}, {@code folded into C}, {@code Add node})
     */
    public record Layer(String id, String representation, String biasFolded) {
    }
}
