package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.comq.error.InvalidModelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Raising a model's ai.onnx opset (DequantizeLinear needs 13 for per-axis scales, 19 for float16 scales, 21 for INT4
 * and blocks) without changing what any other node computes.
 *
 * <p>Nodes whose op changed between the two versions in a way with an exact equivalent are rewritten: attributes that
 * became inputs ({@code axes} of Squeeze, Unsqueeze and ReduceSum at 13, of the other Reduce ops at 18; {@code split}
 * of Split at 13) become int64 initializers, Split without sizes gets {@code num_outputs} at 18, and Softmax,
 * LogSoftmax and Hardmax before 13 (which flattened the input from {@code axis} on) become
 * {@code Shape, Flatten(axis), op(axis=-1), Reshape} unless their axis is already -1. Ops whose meaning changed
 * otherwise are refused with a message saying how to convert the model first.
 */
final class OpsetUpgrade {
    private OpsetUpgrade() {
    }

    /** An attribute that became an input at {@code since}. */
    private record Moved(int since, String attribute) {
    }

    private static final Map<String, Moved> MOVED = Map.ofEntries(
            Map.entry("Squeeze", new Moved(13, "axes")),
            Map.entry("Unsqueeze", new Moved(13, "axes")),
            Map.entry("Split", new Moved(13, "split")),
            Map.entry("ReduceSum", new Moved(13, "axes")),
            Map.entry("ReduceMean", new Moved(18, "axes")),
            Map.entry("ReduceMax", new Moved(18, "axes")),
            Map.entry("ReduceMin", new Moved(18, "axes")),
            Map.entry("ReduceProd", new Moved(18, "axes")),
            Map.entry("ReduceL1", new Moved(18, "axes")),
            Map.entry("ReduceL2", new Moved(18, "axes")),
            Map.entry("ReduceLogSum", new Moved(18, "axes")),
            Map.entry("ReduceLogSumExp", new Moved(18, "axes")),
            Map.entry("ReduceSumSquare", new Moved(18, "axes")));

    /** Ops whose meaning changed at the given version with no rewrite here. */
    private static final Map<String, Integer> REFUSED = Map.ofEntries(
            Map.entry("Slice", 10), Map.entry("TopK", 10), Map.entry("Upsample", 10), Map.entry("Pad", 11),
            Map.entry("Clip", 11), Map.entry("Resize", 11), Map.entry("Scatter", 11), Map.entry("Dropout", 12),
            Map.entry("GroupNormalization", 21));

    private static final Set<String> SOFTMAX = Set.of("Softmax", "LogSoftmax", "Hardmax");

    /**
     * The graph (and its subgraphs) rewritten for opset {@code to}.
     *
     * @param fresh  gives names not used in the model
     * @param reason what needs the new opset, for the error message
     * @throws InvalidModelException when a node cannot be carried over
     */
    static GraphProto upgrade(GraphProto g, long from, long to, UnaryOperator<String> fresh, String reason) {
        return upgrade(g, "", from, to, fresh, reason);
    }

    private static GraphProto upgrade(GraphProto g, String path, long from, long to, UnaryOperator<String> fresh,
                                      String reason) {
        List<NodeProto> nodes = new ArrayList<>(g.getNodeCount());
        List<TensorProto> inits = new ArrayList<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            NodeProto.Builder b = n.toBuilder();
            for (int a = 0; a < n.getAttributeCount(); a++) {
                AttributeProto at = n.getAttribute(a);
                if (at.hasG() || at.getGraphsCount() > 0) {
                    AttributeProto.Builder ab = at.toBuilder();
                    if (at.hasG()) {
                        ab.setG(upgrade(at.getG(), Graphs.childPath(path, n, i, at, -1), from, to, fresh, reason));
                    }
                    for (int k = 0; k < at.getGraphsCount(); k++) {
                        ab.setGraphs(k, upgrade(at.getGraphs(k), Graphs.childPath(path, n, i, at, k), from, to, fresh,
                                reason));
                    }
                    b.setAttribute(a, ab);
                }
            }
            n = b.build();
            if (!NodeAttributes.standardDomain(n)) {
                nodes.add(n);
                continue;
            }
            String op = n.getOpType();
            Integer refused = REFUSED.get(op);
            if (refused != null && from < refused && refused <= to) {
                throw new InvalidModelException("the model imports ai.onnx opset " + from + ", and " + reason
                        + " needs opset " + to + ", but node " + (path.isEmpty() ? "" : path + "/")
                        + Graphs.nodeLabel(n, i) + " (" + op + ") changed meaning in opset " + refused
                        + "; convert the model to opset " + to + " first (onnx.version_converter) or write INT8 "
                        + "per-channel QDQ, which needs only opset 13");
            }
            Moved moved = MOVED.get(op);
            if (moved != null && from < moved.since() && moved.since() <= to) {
                n = moveToInput(n, moved.attribute(), fresh, inits);
            }
            if (op.equals("Split") && from < 18 && 18 <= to && n.getInputCount() < 2) {
                n = n.toBuilder().addAttribute(NodeAttributes.ofInt("num_outputs", n.getOutputCount())).build();
            }
            if (SOFTMAX.contains(op) && from < 13 && 13 <= to && NodeAttributes.getInt(n, "axis", 1) != -1) {
                nodes.addAll(flattened(n, fresh));
                continue;
            }
            nodes.add(n);
        }
        return g.toBuilder().clearNode().addAllNode(nodes).addAllInitializer(inits).build();
    }

    /** The node with attribute {@code name} (ints) moved to an int64 initializer as its second input. */
    private static NodeProto moveToInput(NodeProto n, String name, UnaryOperator<String> fresh,
                                         List<TensorProto> inits) {
        AttributeProto at = NodeAttributes.find(n, name);
        if (at == null) {
            return n;
        }
        long[] values = at.getIntsList().stream().mapToLong(Long::longValue).toArray();
        String t = fresh.apply((n.getName().isEmpty() ? n.getOutput(0) : n.getName()) + "_" + name);
        inits.add(TensorCodec.int64s(t, new long[] {values.length}, values));
        NodeProto.Builder b = n.toBuilder().clearAttribute();
        for (AttributeProto a : n.getAttributeList()) {
            if (!a.getName().equals(name)) {
                b.addAttribute(a);
            }
        }
        while (b.getInputCount() < 1) {
            b.addInput("");
        }
        if (b.getInputCount() == 1) {
            b.addInput(t);
        } else {
            b.setInput(1, t);
        }
        return b.build();
    }

    /** A pre-13 Softmax-like node as {@code Shape, Flatten(axis), op(axis=-1), Reshape}: the same values. */
    private static List<NodeProto> flattened(NodeProto n, UnaryOperator<String> fresh) {
        long axis = NodeAttributes.getInt(n, "axis", 1);
        String base = n.getName().isEmpty() ? n.getOutput(0) : n.getName();
        String shape = fresh.apply(base + "_shape");
        String flat = fresh.apply(base + "_flat");
        String out2d = fresh.apply(base + "_2d");
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(NodeProto.newBuilder().setOpType("Shape").setName(fresh.apply(base + "_shape_op"))
                .addInput(n.getInput(0)).addOutput(shape).build());
        nodes.add(NodeProto.newBuilder().setOpType("Flatten").setName(fresh.apply(base + "_flatten"))
                .addInput(n.getInput(0)).addOutput(flat).addAttribute(NodeAttributes.ofInt("axis", axis)).build());
        NodeProto.Builder op = n.toBuilder().clearAttribute().setInput(0, flat).setOutput(0, out2d)
                .addAttribute(NodeAttributes.ofInt("axis", -1));
        nodes.add(op.build());
        nodes.add(NodeProto.newBuilder().setOpType("Reshape").setName(fresh.apply(base + "_reshape"))
                .addInput(out2d).addInput(shape).addOutput(n.getOutput(0)).build());
        return nodes;
    }
}
