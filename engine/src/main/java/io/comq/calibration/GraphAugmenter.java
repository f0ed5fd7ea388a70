package io.comq.calibration;

import ai.onnx.proto.OnnxMl;
import io.comq.error.InvalidModelException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exposes intermediate tensors of an ONNX model as extra graph outputs, so that one ONNX Runtime run returns the
 * inputs of every layer being calibrated (the idea of ONNX Runtime's {@code calibrate.py augment_graph}). A tensor with
 * a known {@code value_info} is declared with it; otherwise it is declared by name with element type FLOAT and no shape,
 * and ONNX Runtime infers the shape. Tensors already among the outputs, and graph inputs, are left alone.
 */
public final class GraphAugmenter {
    private GraphAugmenter() {
    }

    /**
     * A copy of {@code model} with these tensors added as outputs.
     *
     * <p>Tensors kept in external data files stay there: the copy references them as the model does, and
     * {@link OrtModels#session} tells ONNX Runtime the folder they are in.
     *
     * @throws InvalidModelException if a tensor is produced by no node and is no graph input
     */
    public static OnnxMl.ModelProto augment(OnnxMl.ModelProto model, Collection<String> tensors) {
        OnnxMl.GraphProto graph = model.getGraph();
        Set<String> produced = producedTensors(graph);
        Set<String> inputs = graphInputs(graph);
        Set<String> outputs = new HashSet<>();
        for (OnnxMl.ValueInfoProto o : graph.getOutputList()) {
            outputs.add(o.getName());
        }
        Map<String, OnnxMl.ValueInfoProto> known = new HashMap<>();
        for (OnnxMl.ValueInfoProto v : graph.getValueInfoList()) {
            known.put(v.getName(), v);
        }
        OnnxMl.GraphProto.Builder g = graph.toBuilder();
        for (String name : tensors) {
            if (inputs.contains(name) || outputs.contains(name)) {
                continue;
            }
            if (!produced.contains(name)) {
                throw new InvalidModelException("tensor '" + name + "' is produced by no node of graph '"
                        + graph.getName() + "' and is no graph input");
            }
            OnnxMl.ValueInfoProto vi = known.get(name);
            if (vi == null || !vi.hasType()) {
                vi = OnnxMl.ValueInfoProto.newBuilder().setName(name)
                        .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)))
                        .build();
            }
            g.addOutput(vi);
            outputs.add(name);
        }
        return model.toBuilder().setGraph(g).build();
    }

    /**
     * A copy of an {@link #augment augmented} model that computes only {@code tensors}: its outputs are exactly those,
     * and nodes none of them depends on are dropped (a node holding subgraphs keeps everything its subgraphs read), so
     * that ONNX Runtime does not run the rest of the model. Initializers nothing kept reads are dropped; the model's
     * inputs stay.
     */
    public static OnnxMl.ModelProto onlyComputing(OnnxMl.ModelProto model, Collection<String> tensors) {
        OnnxMl.GraphProto graph = model.getGraph();
        Set<String> needed = new HashSet<>(tensors);
        List<OnnxMl.NodeProto> nodes = graph.getNodeList();
        boolean[] keep = new boolean[nodes.size()];
        for (int k = nodes.size() - 1; k >= 0; k--) {
            OnnxMl.NodeProto n = nodes.get(k);
            for (String o : n.getOutputList()) {
                if (needed.contains(o)) {
                    keep[k] = true;
                    break;
                }
            }
            if (keep[k]) {
                reads(n, needed);
            }
        }
        OnnxMl.GraphProto.Builder g = graph.toBuilder().clearNode().clearOutput().clearInitializer().clearInput();
        Set<String> dropped = new HashSet<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            if (needed.contains(t.getName())) {
                g.addInitializer(t);
            } else {
                dropped.add(t.getName());
            }
        }
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            if (!dropped.contains(v.getName())) {
                g.addInput(v);
            }
        }
        for (int k = 0; k < nodes.size(); k++) {
            if (keep[k]) {
                g.addNode(nodes.get(k));
            }
        }
        Set<String> wanted = new HashSet<>(tensors);
        for (OnnxMl.ValueInfoProto o : graph.getOutputList()) {
            if (wanted.remove(o.getName())) {
                g.addOutput(o);
            }
        }
        if (!wanted.isEmpty()) {
            throw new InvalidModelException("tensors " + wanted + " are not outputs of the augmented model");
        }
        return model.toBuilder().setGraph(g).build();
    }

    /** Adds what node {@code n} reads to {@code needed}: its inputs and everything its subgraphs' nodes read. */
    private static void reads(OnnxMl.NodeProto n, Set<String> needed) {
        needed.addAll(n.getInputList());
        for (OnnxMl.AttributeProto a : n.getAttributeList()) {
            if (a.hasG()) {
                subgraphReads(a.getG(), needed);
            }
            for (OnnxMl.GraphProto sub : a.getGraphsList()) {
                subgraphReads(sub, needed);
            }
        }
    }

    private static void subgraphReads(OnnxMl.GraphProto g, Set<String> needed) {
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            reads(n, needed);
        }
    }

    /** Names of every tensor some node of the graph produces. */
    static Set<String> producedTensors(OnnxMl.GraphProto graph) {
        Set<String> out = new HashSet<>();
        for (OnnxMl.NodeProto n : graph.getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    /** Names of the graph's inputs that are not initializers. */
    static Set<String> graphInputs(OnnxMl.GraphProto graph) {
        Set<String> init = new HashSet<>();
        for (OnnxMl.TensorProto t : graph.getInitializerList()) {
            init.add(t.getName());
        }
        Set<String> out = new HashSet<>();
        for (OnnxMl.ValueInfoProto v : graph.getInputList()) {
            if (!init.contains(v.getName())) {
                out.add(v.getName());
            }
        }
        return out;
    }
}
