package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.comq.error.InvalidInputException;
import io.comq.layer.LayerResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a model with quantized weights: the public entry point for quantized ONNX output. Each quantized layer's
 * node is rewritten by the handler registered for its op type; every other node, initializer and attribute is carried
 * over unchanged. Original weights that no node uses any more are dropped. When the written nodes need a newer ai.onnx
 * opset than the model imports (per-axis DequantizeLinear 13, float16 scales 19, INT4/UINT4 and blocks 21), the
 * opset is raised and nodes whose op changed on the way are rewritten to compute the same values, or the write is
 * refused ({@code OpsetUpgrade}). Models too large for one protobuf get an external data file beside them. The files
 * appear atomically.
 */
public final class OnnxWriter {
    private final OpHandlers handlers = OpHandlers.standard();

    /**
     * Writes {@code model} with the given layers quantized to {@code out}.
     *
     * @param results for each layer to quantize (from {@link OnnxModel#layers}), one result per group
     * @throws InvalidInputException if a layer is not one of this model's, or its results do not fit it
     */
    public WriteReport write(OnnxModel model, Map<OnnxLayer, List<LayerResult>> results, Path out,
                             WriteOptions options) {
        Map<String, GraphProto> graphs = model.graphs();
        Map<String, Map<Integer, QuantizedWeight>> byGraph = new HashMap<>();
        for (Map.Entry<OnnxLayer, List<LayerResult>> e : results.entrySet()) {
            OnnxLayer l = e.getKey();
            GraphProto g = graphs.get(l.graphPath());
            NodeProto n = g == null || l.nodeIndex() >= g.getNodeCount() ? null : g.getNode(l.nodeIndex());
            if (n == null || !n.getOpType().equals(l.opType()) || n.getInputCount() < 2
                    || !n.getInput(1).equals(l.weightName())) {
                throw new InvalidInputException("layer " + l.id() + " is not a layer of this model (no " + l.opType()
                        + " node with weight " + l.weightName() + " there)");
            }
            byGraph.computeIfAbsent(l.graphPath(), k -> new HashMap<>()).put(l.nodeIndex(),
                    QuantizedWeight.of(l, e.getValue()));
        }
        ModelProto proto = model.proto();
        RewriteState state = new RewriteState(options, model.external(), names(proto.getGraph()));
        GraphProto graph = rewrite(proto.getGraph(), "", null, byGraph, state);
        Set<String> used = new HashSet<>();
        collectUses(graph, used);
        Set<String> drop = new HashSet<>(state.replaced);
        drop.removeAll(used);
        graph = prune(graph, drop);

        long opset = model.opset();
        if (opset < state.opset) {
            graph = OpsetUpgrade.upgrade(graph, opset, state.opset, state::fresh, state.opset >= 21
                    ? "DequantizeLinear with INT4/UINT4 or block_size" : state.opset >= 19
                    ? "DequantizeLinear with float16 scales" : "DequantizeLinear with per-axis scales");
        }
        ModelProto.Builder m = proto.toBuilder().setGraph(graph);
        boolean raised = false;
        for (int k = 0; k < m.getOpsetImportCount(); k++) {
            OperatorSetIdProto o = m.getOpsetImport(k);
            if ((o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) && o.getVersion() < state.opset) {
                m.setOpsetImport(k, o.toBuilder().setVersion(state.opset));
                opset = state.opset;
                raised = true;
            }
        }
        if (state.microsoftDomain && m.getOpsetImportList().stream()
                .noneMatch(o -> o.getDomain().equals("com.microsoft"))) {
            m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1));
        }
        if (m.getIrVersion() < state.irVersion) {
            m.setIrVersion(state.irVersion);
        }
        Path data = ModelFiles.save(m.build(), model.external(), out, options.externalDataThreshold());
        return new WriteReport(out, data, opset, raised, state.report);
    }

    private GraphProto rewrite(GraphProto g, String path, Graphs.Scope outer,
                               Map<String, Map<Integer, QuantizedWeight>> byGraph, RewriteState state) {
        Graphs.Scope scope = Graphs.Scope.of(g, outer);
        Map<Integer, QuantizedWeight> here = byGraph.getOrDefault(path, Map.of());
        List<NodeProto> nodes = new ArrayList<>(g.getNodeCount());
        List<TensorProto> initializers = new ArrayList<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (hasSubgraph(n)) {
                NodeProto.Builder b = n.toBuilder();
                for (int a = 0; a < n.getAttributeCount(); a++) {
                    AttributeProto at = n.getAttribute(a);
                    AttributeProto.Builder ab = at.toBuilder();
                    if (at.hasG()) {
                        ab.setG(rewrite(at.getG(), Graphs.childPath(path, n, i, at, -1), scope, byGraph, state));
                    }
                    for (int k = 0; k < at.getGraphsCount(); k++) {
                        ab.setGraphs(k, rewrite(at.getGraphs(k), Graphs.childPath(path, n, i, at, k), scope, byGraph,
                                state));
                    }
                    b.setAttribute(a, ab);
                }
                n = b.build();
            }
            QuantizedWeight qw = here.get(i);
            if (qw == null) {
                nodes.add(n);
            } else {
                handlers.of(n).rewrite(new NodeRewrite(state, scope, nodes, initializers, n, qw));
            }
        }
        if (here.isEmpty() && nodes.equals(g.getNodeList())) {
            return g;
        }
        return g.toBuilder().clearNode().addAllNode(nodes).addAllInitializer(initializers).build();
    }

    private static boolean hasSubgraph(NodeProto n) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.hasG() || a.getGraphsCount() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Names used as node inputs or graph outputs anywhere. */
    private static void collectUses(GraphProto g, Set<String> used) {
        for (NodeProto n : g.getNodeList()) {
            used.addAll(n.getInputList());
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    collectUses(a.getG(), used);
                }
                for (GraphProto sub : a.getGraphsList()) {
                    collectUses(sub, used);
                }
            }
        }
        for (ValueInfoProto v : g.getOutputList()) {
            used.add(v.getName());
        }
    }

    /** Removes the initializers, Constant nodes and graph inputs named in {@code drop}, in every graph. */
    private static GraphProto prune(GraphProto g, Set<String> drop) {
        if (drop.isEmpty()) {
            return g;
        }
        GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer().clearInput();
        for (TensorProto t : g.getInitializerList()) {
            if (!drop.contains(t.getName())) {
                b.addInitializer(t);
            }
        }
        for (ValueInfoProto v : g.getInputList()) {
            boolean initializer = g.getInitializerList().stream().anyMatch(t -> t.getName().equals(v.getName()));
            if (!(initializer && drop.contains(v.getName()))) {
                b.addInput(v);
            }
        }
        for (NodeProto n : g.getNodeList()) {
            if (Graphs.constantValue(n) != null && n.getOutputCount() == 1 && drop.contains(n.getOutput(0))) {
                continue;
            }
            if (hasSubgraph(n)) {
                NodeProto.Builder nb = n.toBuilder();
                for (int a = 0; a < n.getAttributeCount(); a++) {
                    AttributeProto at = n.getAttribute(a);
                    AttributeProto.Builder ab = at.toBuilder();
                    if (at.hasG()) {
                        ab.setG(prune(at.getG(), drop));
                    }
                    for (int k = 0; k < at.getGraphsCount(); k++) {
                        ab.setGraphs(k, prune(at.getGraphs(k), drop));
                    }
                    nb.setAttribute(a, ab);
                }
                n = nb.build();
            }
            b.addNode(n);
        }
        return b.build();
    }

    /** Every name in the model: tensors, nodes, graph inputs and outputs, value infos, in all graphs. */
    private static Set<String> names(GraphProto g) {
        Set<String> s = new HashSet<>();
        Graphs.walk(g, "", null, (path, graph, scope) -> {
            for (NodeProto n : graph.getNodeList()) {
                s.add(n.getName());
                s.addAll(n.getInputList());
                s.addAll(n.getOutputList());
            }
            graph.getInitializerList().forEach(t -> s.add(t.getName()));
            graph.getInputList().forEach(v -> s.add(v.getName()));
            graph.getOutputList().forEach(v -> s.add(v.getName()));
            graph.getValueInfoList().forEach(v -> s.add(v.getName()));
        });
        return s;
    }
}
