package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.comq.error.InvalidModelException;
import java.util.Map;

/**
 * Raising a model's ai.onnx opset (DequantizeLinear needs 13 for per-axis scales, 21 for INT4 and blocks) keeps every
 * other node's meaning only if its op did not change in between. This refuses the raise when a node uses an attribute
 * that a later opset turned into an input, instead of writing a model that no runtime loads.
 */
final class OpsetUpgrade {
    private OpsetUpgrade() {
    }

    /** An attribute that became an input at {@code since}. */
    private record Change(int since, String attribute) {
    }

    private static final Map<String, Change> CHANGES = Map.ofEntries(
            Map.entry("Slice", new Change(10, "starts")),
            Map.entry("TopK", new Change(10, "k")),
            Map.entry("Pad", new Change(11, "pads")),
            Map.entry("Clip", new Change(11, "min")),
            Map.entry("Dropout", new Change(12, "ratio")),
            Map.entry("Squeeze", new Change(13, "axes")),
            Map.entry("Unsqueeze", new Change(13, "axes")),
            Map.entry("Split", new Change(13, "split")),
            Map.entry("ReduceSum", new Change(13, "axes")),
            Map.entry("ReduceMean", new Change(18, "axes")),
            Map.entry("ReduceMax", new Change(18, "axes")),
            Map.entry("ReduceMin", new Change(18, "axes")),
            Map.entry("ReduceProd", new Change(18, "axes")),
            Map.entry("ReduceL1", new Change(18, "axes")),
            Map.entry("ReduceL2", new Change(18, "axes")),
            Map.entry("ReduceLogSum", new Change(18, "axes")),
            Map.entry("ReduceLogSumExp", new Change(18, "axes")),
            Map.entry("ReduceSumSquare", new Change(18, "axes")));

    /** Throws when raising the opset {@code from -> to} would break a node of {@code g} or its subgraphs. */
    static void check(GraphProto g, long from, long to, String reason) {
        Graphs.walk(g, "", null, (path, graph, scope) -> {
            for (int i = 0; i < graph.getNodeCount(); i++) {
                NodeProto n = graph.getNode(i);
                Change c = NodeAttributes.standardDomain(n) ? CHANGES.get(n.getOpType()) : null;
                if (c != null && from < c.since() && c.since() <= to && NodeAttributes.find(n, c.attribute()) != null) {
                    throw new InvalidModelException("the model imports ai.onnx opset " + from + ", and " + reason
                            + " needs opset " + to + ", but node " + (path.isEmpty() ? "" : path + "/")
                            + Graphs.nodeLabel(n, i) + " (" + n.getOpType() + ") uses attribute '" + c.attribute()
                            + "', an input since opset " + c.since() + "; convert the model to opset " + to
                            + " first (onnx.version_converter) or choose a format the current opset supports");
                }
            }
        });
    }
}
