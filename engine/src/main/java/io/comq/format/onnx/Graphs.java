package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.HashMap;
import java.util.Map;

/**
 * Graph paths and constant scopes. The main graph has path {@code ""}; a subgraph held by attribute {@code attr} of
 * node {@code n} has path {@code parent/n.attr} (with {@code [k]} for the k-th graph of a GRAPHS attribute), where
 * {@code n} is the node's name or {@code OpType#index} when unnamed. Reader and writer use the same paths.
 */
final class Graphs {
    private Graphs() {
    }

    /** A visitor of every graph, outer graphs before the subgraphs they contain. */
    interface Visitor {
        void visit(String path, GraphProto graph, Scope scope);
    }

    static String nodeLabel(NodeProto n, int index) {
        return n.getName().isEmpty() ? n.getOpType() + "#" + index : n.getName();
    }

    static String childPath(String parent, NodeProto n, int index, AttributeProto a, int k) {
        String own = nodeLabel(n, index) + "." + a.getName() + (k < 0 ? "" : "[" + k + "]");
        return parent.isEmpty() ? own : parent + "/" + own;
    }

    static void walk(GraphProto g, String path, Scope outer, Visitor v) {
        Scope scope = Scope.of(g, outer);
        v.visit(path, g, scope);
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            for (AttributeProto a : n.getAttributeList()) {
                if (a.getType() == AttributeProto.AttributeType.GRAPH || a.hasG()) {
                    walk(a.getG(), childPath(path, n, i, a, -1), scope, v);
                }
                for (int k = 0; k < a.getGraphsCount(); k++) {
                    walk(a.getGraphs(k), childPath(path, n, i, a, k), scope, v);
                }
            }
        }
    }

    /** The tensor a {@code Constant} node holds in its {@code value} attribute, or null. */
    static TensorProto constantValue(NodeProto n) {
        if (!n.getOpType().equals("Constant") || !n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            return null;
        }
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals("value") && a.hasT()) {
                return a.getT();
            }
        }
        return null;
    }

    /**
     * Constant tensors visible in a graph: its initializers and {@code Constant} node outputs, then those of the
     * enclosing graphs.
     */
    static final class Scope {
        private final Scope parent;
        private final Map<String, TensorProto> constants;

        private Scope(Scope parent, Map<String, TensorProto> constants) {
            this.parent = parent;
            this.constants = constants;
        }

        static Scope of(GraphProto g, Scope parent) {
            Map<String, TensorProto> c = new HashMap<>();
            for (TensorProto t : g.getInitializerList()) {
                c.put(t.getName(), t);
            }
            for (NodeProto n : g.getNodeList()) {
                TensorProto t = constantValue(n);
                if (t != null && n.getOutputCount() == 1) {
                    c.put(n.getOutput(0), t.toBuilder().setName(n.getOutput(0)).build());
                }
            }
            return new Scope(parent, c);
        }

        /** The constant tensor of this name, or null if it is not a constant here. */
        TensorProto find(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                TensorProto t = s.constants.get(name);
                if (t != null) {
                    return t;
                }
            }
            return null;
        }
    }
}
