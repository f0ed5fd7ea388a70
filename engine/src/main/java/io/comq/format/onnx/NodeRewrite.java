package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * The rewrite of one quantized node: handlers call it to add initializers and nodes around the node. Nodes created
 * before {@link #emit} precede it in the graph (their inputs are constants); Add nodes from {@link #addBiasAfter}
 * follow it.
 */
final class NodeRewrite {
    private final RewriteState state;
    private final Graphs.Scope scope;
    private final List<NodeProto> nodes;
    private final List<TensorProto> initializers;
    private final NodeProto node;
    private final QuantizedWeight qw;
    private final List<NodeProto> after = new ArrayList<>();
    private String representation;
    private String bias = "none";

    NodeRewrite(RewriteState state, Graphs.Scope scope, List<NodeProto> nodes, List<TensorProto> initializers,
                NodeProto node, QuantizedWeight qw) {
        this.state = state;
        this.scope = scope;
        this.nodes = nodes;
        this.initializers = initializers;
        this.node = node;
        this.qw = qw;
    }

    NodeProto node() {
        return node;
    }

    OnnxLayer layer() {
        return qw.layer;
    }

    QuantizedWeight weight() {
        return qw;
    }

    QuantFormat format() {
        return state.options.format();
    }

    double[] biasCorrection() {
        return qw.biasCorrection;
    }

    TensorProto constant(String name) {
        return scope.find(name);
    }

    DenseTensor decode(TensorProto t) {
        return TensorCodec.decode(t, state.external);
    }

    String fresh(String base) {
        return state.fresh(base);
    }

    void require(int opset, int irVersion) {
        state.require(opset, irVersion);
    }

    /** Marks the layer's original weight as replaced: dropped from the model if nothing else uses it. */
    void weightReplaced() {
        state.replaced.add(qw.layer.weightName());
    }

    void requireMicrosoftDomain() {
        state.microsoftDomain = true;
    }

    void represent(String description) {
        this.representation = description;
    }

    String addInitializer(TensorProto t) {
        initializers.add(t);
        return t.getName();
    }

    /** A new float initializer named after the weight, of the weight's float type. */
    String addInitializer(String suffix, long[] dims, double[] values, int type) {
        return addInitializer(TensorCodec.floats(fresh(qw.layer.weightName() + "_" + suffix), dims, values, type));
    }

    /** A changed copy of constant {@code old} under a new name; {@code old} is dropped if nothing else uses it. */
    String replaceConstant(String old, long[] dims, double[] values, int type) {
        state.replaced.add(old);
        bias = "folded into " + old;
        return addInitializer(TensorCodec.floats(fresh(old + "_comq"), dims, values, type));
    }

    /** Records that the bias correction became a new bias input. */
    void biasAsNewInput() {
        bias = "new bias input";
    }

    void addNode(NodeProto n) {
        nodes.add(n);
    }

    /**
     * The node with its first output renamed, followed by {@code Add(renamed, b_c)} producing the original output;
     * {@code dims} is the bias shape that broadcasts against the output. Without a bias correction, the node itself.
     */
    NodeProto addBiasAfter(NodeProto n, long[] dims) {
        double[] bc = qw.biasCorrection;
        if (bc == null) {
            return n;
        }
        String outName = n.getOutput(0);
        String pre = fresh(outName + "_pre_bias");
        String b = addInitializer("bias_correction", dims, bc, qw.layer.weightType().getNumber());
        after.add(NodeProto.newBuilder().setOpType("Add").setName(fresh(label() + "_bias_correction"))
                .addInput(pre).addInput(b).addOutput(outName).build());
        bias = "Add node";
        return n.toBuilder().setOutput(0, pre).build();
    }

    private String label() {
        return node.getName().isEmpty() ? qw.layer.weightName() : node.getName();
    }

    /** Appends the rewritten node and the nodes that must follow it. */
    void emit(NodeProto n) {
        nodes.add(n);
        nodes.addAll(after);
        after.clear();
        if (representation != null) {
            state.report.add(new WriteReport.Layer(qw.layer.id(), representation, bias));
        }
    }

    /**
     * Emits the quantized weight as integer codes, scales and zero points with a {@code DequantizeLinear} node
     * (plus a Reshape for blocked Conv weights and a Cast for weights that are neither FLOAT nor FLOAT16) and returns
     * the name of the dequantized float weight, shaped like the original.
     */
    String dequantizedWeight() {
        OnnxLayer l = qw.layer;
        CodeStorage st = CodeStorage.choose(qw.grid.bits(), qw.grid.grid().symmetric(), qw.lo, qw.hi);
        boolean blocked = qw.blocked();
        boolean inOut = l.layout() == WeightLayout.IN_OUT;
        int bs = qw.blockSize();
        int[] u = new int[qw.codes.length];
        for (int r = 0; r < qw.rows; r++) {
            for (int c = 0; c < qw.cols; c++) {
                int cell = inOut ? (blocked ? (r / bs) * qw.cols + c : c) : (blocked ? r * qw.blocks + c / bs : r);
                u[r * qw.cols + c] = qw.codes[r * qw.cols + c] + st.zeroPoints()[cell];
            }
        }
        boolean reshape = blocked && l.weightShape().size() > 2;
        long[] qDims = reshape ? new long[] {qw.rows, qw.cols} : toArray(l.weightShape());
        long[] sDims = !blocked ? new long[] {qw.scales.length}
                : inOut ? new long[] {qw.blocks, qw.cols} : new long[] {qw.rows, qw.blocks};
        int axis = blocked ? (inOut ? 0 : 1) : (inOut ? 1 : 0);
        int scaleType = l.weightType() == DataType.FLOAT16 ? DataType.FLOAT16_VALUE : DataType.FLOAT_VALUE;

        String base = l.weightName();
        String q = addInitializer(TensorCodec.ints(fresh(base + "_quantized"), qDims, u, st.type()));
        String s = addInitializer(TensorCodec.floats(fresh(base + "_scale"), sDims, qw.scales, scaleType));
        NodeProto.Builder dq = NodeProto.newBuilder().setOpType("DequantizeLinear")
                .setName(fresh(label() + "_dequantize")).addInput(q).addInput(s)
                .addAttribute(NodeAttributes.ofInt("axis", axis));
        boolean zp = !(st.allZero() && st.type() != DataType.UINT4 && st.type() != DataType.UINT8);
        if (zp) {
            dq.addInput(addInitializer(TensorCodec.ints(fresh(base + "_zero_point"), sDims, st.zeroPoints(),
                    st.type())));
        }
        if (blocked) {
            dq.addAttribute(NodeAttributes.ofInt("block_size", bs));
        }
        boolean needs21 = blocked || st.fourBit();
        // float16 scales need DequantizeLinear-19
        int opset = needs21 ? 21 : scaleType == DataType.FLOAT16_VALUE ? 19 : 13;
        require(opset, opset >= 21 ? 10 : opset >= 19 ? 9 : 7);
        String out = fresh(base + "_dequantized");
        addNode(dq.addOutput(out).build());
        if (reshape) {
            String shape = addInitializer(TensorCodec.int64s(fresh(base + "_shape"), new long[] {l.weightShape().size()},
                    toArray(l.weightShape())));
            String reshaped = fresh(base + "_dequantized_reshaped");
            addNode(NodeProto.newBuilder().setOpType("Reshape").setName(fresh(label() + "_reshape")).addInput(out)
                    .addInput(shape).addOutput(reshaped).build());
            out = reshaped;
        }
        if (l.weightType() != DataType.FLOAT && l.weightType() != DataType.FLOAT16) {
            String cast = fresh(base + "_dequantized_cast");
            addNode(NodeProto.newBuilder().setOpType("Cast").setName(fresh(label() + "_cast")).addInput(out)
                    .addOutput(cast).addAttribute(AttributeProto.newBuilder().setName("to")
                            .setType(AttributeProto.AttributeType.INT).setI(l.weightType().getNumber())).build());
            out = cast;
        }
        state.replaced.add(l.weightName());
        represent("qdq " + st.type() + (blocked ? " blocked axis " + axis + " block_size " + bs
                : " per-channel axis " + axis) + (zp ? " with zero points" : ""));
        return out;
    }

    static long[] toArray(List<Long> dims) {
        long[] a = new long[dims.size()];
        for (int k = 0; k < a.length; k++) {
            a[k] = dims.get(k);
        }
        return a;
    }
}
