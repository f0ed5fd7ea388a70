package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import io.comq.error.InvalidModelException;
import io.comq.option.Setting;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings values computed inside subgraphs out to the main graph, where ONNX Runtime can return them (it returns only
 * main-graph values). Each value is copied by an {@code Identity} in its own graph, made an extra output of that graph,
 * and so an extra output of the node that holds the graph, level by level up to the main graph:
 *
 * <ul>
 *   <li>{@code If}: both branches get the output; the branch that does not compute the value yields an empty tensor
 *   (first axis 0), so a sample that takes the other branch adds no rows. The value is exactly the one the branch
 *   computed, for exactly the samples that took it.</li>
 *   <li>{@code Loop} and {@code Scan}: the output is a scan output, the value of every iteration stacked on a new first
 *   axis; the main graph reshapes it to merge that axis into the next one ({@code (iters, N, ...)} becomes
 *   {@code (iters*N, ...)}), so a layer sees one row (or image) per sample per iteration.</li>
 * </ul>
 *
 * A value inside any other op's subgraph cannot be brought out: that is an error naming the op. The rewritten model is
 * for calibration only; the quantized model is written from the original.
 */
public final class SubgraphOutputs {
    private static final String PREFIX = "comq_tap_";

    private SubgraphOutputs() {
    }

    /**
     * A value wanted from a graph.
     *
     * @param graphPath the graph (see {@link OnnxLayer#graphPath()})
     * @param tensor    the value's name there
     * @param emptyDims the shape of an empty stand-in of the same rank (first axis 0), for an {@code If} branch that
     *                  does not compute the value
     */
    public record Wanted(String graphPath, String tensor, List<Long> emptyDims) {
        public Wanted {
            emptyDims = List.copyOf(emptyDims);
        }

        String key() {
            return graphPath + '\u0000' + tensor;
        }
    }

    /**
     * The rewritten model and, per wanted value ({@code graphPath + '\0' + tensor}), its name in the main graph.
     */
    public record Exposed(ModelProto model, Map<String, String> mainGraphNames) {
        public Exposed {
            mainGraphNames = Map.copyOf(mainGraphNames);
        }

        /** The main-graph name of {@code tensor} of the graph at {@code graphPath}. */
        public String name(String graphPath, String tensor) {
            String n = mainGraphNames.get(graphPath + '\u0000' + tensor);
            if (n == null) {
                throw new IllegalArgumentException("no exposed value " + tensor + " in graph '" + graphPath + "'");
            }
            return n;
        }
    }

    /**
     * Exposes these values. Values of the main graph ({@code graphPath ""}) are their own names and leave the model
     * unchanged.
     *
     * @throws InvalidModelException if a value lies in the subgraph of an op other than If, Loop and Scan
     */
    public static Exposed expose(ModelProto model, List<Wanted> wanted) {
        Map<String, Map<String, Wanted>> byGraph = new LinkedHashMap<>();
        for (Wanted w : wanted) {
            byGraph.computeIfAbsent(w.graphPath(), k -> new LinkedHashMap<>()).putIfAbsent(w.tensor(), w);
        }
        Rewrite rw = new Rewrite(byGraph, model.getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(o -> o.getVersion()).findFirst().orElse(0));
        Map<String, String> names = new LinkedHashMap<>();
        GraphProto main = rw.graph(model.getGraph(), "", names);
        return new Exposed(byGraph.keySet().stream().allMatch(String::isEmpty) ? model
                : model.toBuilder().setGraph(main).build(), names);
    }

    private static final class Rewrite {
        private final Map<String, Map<String, Wanted>> byGraph;
        private final long opset;
        private int counter;

        Rewrite(Map<String, Map<String, Wanted>> byGraph, long opset) {
            this.byGraph = byGraph;
            this.opset = opset;
        }

        private String fresh(String what) {
            return PREFIX + (counter++) + "_" + what;
        }

        private boolean wantedUnder(String path) {
            for (String p : byGraph.keySet()) {
                if (!p.isEmpty() && (p.equals(path) || path.isEmpty() || p.startsWith(path + "/"))) {
                    return true;
                }
            }
            return false;
        }

        /**
         * Rewrites graph {@code g} at {@code path}; fills {@code names} with each exposed value's name in {@code g}
         * (keyed as {@link Wanted#key()}) and returns the new graph.
         */
        GraphProto graph(GraphProto g, String path, Map<String, String> names) {
            GraphProto.Builder b = g.toBuilder();
            Map<String, Wanted> own = byGraph.getOrDefault(path, Map.of());
            if (!wantedUnder(path)) {
                for (Wanted w : own.values()) {
                    names.put(w.key(), w.tensor());
                }
                return g;
            }
            b.clearNode();
            for (int i = 0; i < g.getNodeCount(); i++) {
                NodeProto n = g.getNode(i);
                Map<String, Map<String, String>> inner = new HashMap<>();
                NodeProto.Builder nb = n.toBuilder();
                boolean touched = false;
                for (int a = 0; a < n.getAttributeCount(); a++) {
                    AttributeProto at = n.getAttribute(a);
                    if (at.hasG() && wantedUnder(Graphs.childPath(path, n, i, at, -1))) {
                        Map<String, String> m = new LinkedHashMap<>();
                        GraphProto child = graph(at.getG(), Graphs.childPath(path, n, i, at, -1), m);
                        nb.setAttribute(a, at.toBuilder().setG(child));
                        inner.put(at.getName(), m);
                        touched = true;
                    }
                    for (int k = 0; k < at.getGraphsCount(); k++) {
                        if (wantedUnder(Graphs.childPath(path, n, i, at, k))) {
                            throw unsupported(n, i, path);
                        }
                    }
                }
                if (!touched) {
                    b.addNode(n);
                    continue;
                }
                if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                    throw unsupported(n, i, path);
                }
                switch (n.getOpType()) {
                    case "If":
                        exposeIf(b, nb, inner, names);
                        break;
                    case "Loop":
                    case "Scan":
                        exposeStacked(b, nb, n, inner.getOrDefault("body", Map.of()), names);
                        break;
                    default:
                        throw unsupported(n, i, path);
                }
            }
            for (Wanted w : own.values()) {
                if (path.isEmpty()) {
                    names.put(w.key(), w.tensor());
                    continue;
                }
                String tap = fresh("value");
                b.addNode(NodeProto.newBuilder().setOpType("Identity").setName(tap).addInput(w.tensor()).addOutput(tap));
                names.put(w.key(), tap);
            }
            return b.build();
        }

        private static InvalidModelException unsupported(NodeProto n, int i, String path) {
            String where = path.isEmpty() ? "" : path + "/";
            return new InvalidModelException("a layer lies in a subgraph of " + where + Graphs.nodeLabel(n, i) + " ("
                    + n.getOpType() + "), whose values calibration cannot bring out (it can for If, Loop and Scan); "
                    + "exclude the layer (" + Setting.EXCLUDE.ref() + ")");
        }

        /** Both branches output every value either computes; the other yields an empty stand-in. */
        private void exposeIf(GraphProto.Builder parent, NodeProto.Builder nb, Map<String, Map<String, String>> inner,
                              Map<String, String> names) {
            int thenAt = -1;
            int elseAt = -1;
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                if (nb.getAttribute(a).getName().equals("then_branch")) {
                    thenAt = a;
                } else if (nb.getAttribute(a).getName().equals("else_branch")) {
                    elseAt = a;
                }
            }
            Map<String, String> inThen = inner.getOrDefault("then_branch", Map.of());
            Map<String, String> inElse = inner.getOrDefault("else_branch", Map.of());
            Set<String> keys = new LinkedHashSet<>(inThen.keySet());
            keys.addAll(inElse.keySet());
            GraphProto.Builder tb = nb.getAttribute(thenAt).getG().toBuilder();
            GraphProto.Builder eb = nb.getAttribute(elseAt).getG().toBuilder();
            for (String key : keys) {
                Wanted w = wantedOf(key);
                tb.addOutput(output(branchValue(tb, inThen.get(key), w)));
                eb.addOutput(output(branchValue(eb, inElse.get(key), w)));
                String out = fresh("if");
                nb.addOutput(out);
                names.put(key, out);
            }
            nb.setAttribute(thenAt, nb.getAttribute(thenAt).toBuilder().setG(tb));
            nb.setAttribute(elseAt, nb.getAttribute(elseAt).toBuilder().setG(eb));
            parent.addNode(nb);
        }

        /** The branch's own tap, or an empty stand-in made by a Constant in the branch. */
        private String branchValue(GraphProto.Builder branch, String tap, Wanted w) {
            if (tap != null) {
                return tap;
            }
            String empty = fresh("empty");
            TensorProto.Builder t = TensorProto.newBuilder().setName(empty).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .setRawData(ByteString.EMPTY);
            t.addAllDims(w.emptyDims());
            branch.addNode(NodeProto.newBuilder().setOpType("Constant").setName(empty).addOutput(empty)
                    .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                            .setT(t)));
            return empty;
        }

        /** Values exposed by a Loop or Scan body become scan outputs, then merged into the next axis. */
        private void exposeStacked(GraphProto.Builder parent, NodeProto.Builder nb, NodeProto n,
                                   Map<String, String> inner, Map<String, String> names) {
            int bodyAt = -1;
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                if (nb.getAttribute(a).getName().equals("body")) {
                    bodyAt = a;
                }
            }
            GraphProto.Builder body = nb.getAttribute(bodyAt).getG().toBuilder();
            List<String> stacked = new ArrayList<>();
            for (Map.Entry<String, String> e : inner.entrySet()) {
                body.addOutput(output(e.getValue()));
                String out = fresh("stacked");
                nb.addOutput(out);
                stacked.add(out);
                if (n.getOpType().equals("Scan")) {
                    appendZero(nb, "scan_output_axes");
                    appendZero(nb, "scan_output_directions");
                }
            }
            nb.setAttribute(bodyAt, nb.getAttribute(bodyAt).toBuilder().setG(body));
            parent.addNode(nb);
            int k = 0;
            for (String key : inner.keySet()) {
                names.put(key, mergeFirstAxes(parent, stacked.get(k++)));
            }
        }

        private static void appendZero(NodeProto.Builder nb, String attr) {
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                if (nb.getAttribute(a).getName().equals(attr)) {
                    nb.setAttribute(a, nb.getAttribute(a).toBuilder().addInts(0));
                }
            }
        }

        /** {@code x (a, b, rest...)} reshaped to {@code (a*b, rest...)}: Shape, Slice, Concat and Reshape nodes. */
        private String mergeFirstAxes(GraphProto.Builder g, String x) {
            if (opset < 10) {
                throw new InvalidModelException("bringing values out of a Loop or Scan needs operator set 10 or later; "
                        + "the model imports " + opset + "; exclude the layers inside it (" + Setting.EXCLUDE.ref()
                        + ")");
            }
            String shape = fresh("shape");
            String tail = fresh("tail");
            String starts = fresh("starts");
            String ends = fresh("ends");
            String minusOne = fresh("minus_one");
            String target = fresh("target");
            String merged = fresh("merged");
            g.addNode(constant(starts, 2));
            g.addNode(constant(ends, Long.MAX_VALUE));
            g.addNode(constant(minusOne, -1));
            g.addNode(NodeProto.newBuilder().setOpType("Shape").setName(shape).addInput(x).addOutput(shape));
            g.addNode(NodeProto.newBuilder().setOpType("Slice").setName(tail).addInput(shape).addInput(starts)
                    .addInput(ends).addOutput(tail));
            g.addNode(NodeProto.newBuilder().setOpType("Concat").setName(target).addInput(minusOne).addInput(tail)
                    .addOutput(target).addAttribute(NodeAttributes.ofInt("axis", 0)));
            g.addNode(NodeProto.newBuilder().setOpType("Reshape").setName(merged).addInput(x).addInput(target)
                    .addOutput(merged));
            return merged;
        }

        private static NodeProto constant(String name, long v) {
            return NodeProto.newBuilder().setOpType("Constant").setName(name).addOutput(name)
                    .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                            .setT(TensorCodec.int64s(name, new long[] {1}, new long[] {v})))
                    .build();
        }

        private Wanted wantedOf(String key) {
            int z = key.indexOf('\u0000');
            return byGraph.get(key.substring(0, z)).get(key.substring(z + 1));
        }
    }

    private static ValueInfoProto output(String name) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))).build();
    }
}
