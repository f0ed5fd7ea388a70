package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;

/**
 * A layer of an ONNX model the engine can quantize: a MatMul, Gemm or Conv node with a constant weight.
 *
 * @param graphPath   the graph holding the node ({@code ""} for the main graph, see {@code Graphs})
 * @param nodeIndex   the node's index in that graph
 * @param nodeName    the node's name (may be empty in the model)
 * @param opType      {@code MatMul}, {@code Gemm} or {@code Conv}
 * @param weightName  the weight tensor (an initializer or a Constant node's output)
 * @param inputName   the activation tensor feeding the layer (the X of {@code H = X^T X})
 * @param biasName    the bias tensor (Gemm's C, Conv's B), or null
 * @param in          engine input size per group: rows of {@code W} ({@code in/groups * prod(kernel)} for Conv)
 * @param out         engine output channels per group: columns of {@code W}
 * @param groups      independent problems (Conv groups; 1 otherwise), output channels {@code groups * out} in all
 * @param layout      how the stored weight maps onto {@code W}
 * @param weightShape dimensions of the stored weight
 * @param weightType  element type of the stored weight
 * @param conv        convolution geometry, or null for MatMul and Gemm
 */
public record OnnxLayer(String graphPath, int nodeIndex, String nodeName, String opType, String weightName,
                        String inputName, String biasName, int in, int out, int groups, WeightLayout layout,
                        List<Long> weightShape, DataType weightType, ConvAttributes conv) {
    public OnnxLayer {
        weightShape = List.copyOf(weightShape);
    }

    /** A name unique in the model: the node name, else {@code OpType#index}, prefixed by the subgraph path. */
    public String id() {
        String label = nodeName.isEmpty() ? opType + "#" + nodeIndex : nodeName;
        return graphPath.isEmpty() ? label : graphPath + "/" + label;
    }

    /** Total output channels, over all groups. */
    public int outputChannels() {
        return groups * out;
    }

    @Override
    public String toString() {
        return id() + " (" + opType + ", W " + weightName + " as (" + in + ", " + out + ")"
                + (groups > 1 ? " x " + groups + " groups" : "") + ")";
    }
}
