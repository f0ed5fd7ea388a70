package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Conv with a constant weight {@code (out, in/groups, k...)}: one problem per group, {@code W_g} of shape
 * {@code (in/groups * prod(k), out/groups)}. A bias correction is folded into a constant B, or becomes B.
 */
final class ConvHandler implements OpHandler {

    @Override
    public Candidate discover(NodeProto node, int index, String graphPath, Graphs.Scope scope) {
        String label = MatMulHandler.label(node, index);
        if (node.getInputCount() < 2) {
            return Candidate.skip(label + ": fewer than 2 inputs");
        }
        TensorProto w = scope.find(node.getInput(1));
        if (w == null) {
            return Candidate.skip(label + ": W (" + node.getInput(1) + ") is not a constant");
        }
        String why = Weights.check(w, -3);
        if (why != null) {
            return Candidate.skip(label + ": " + why);
        }
        List<Long> d = w.getDimsList();
        long groups = NodeAttributes.getInt(node, "group", 1);
        if (groups < 1 || d.get(0) % groups != 0) {
            return Candidate.skip(label + ": group=" + groups + " does not divide the " + d.get(0)
                    + " output channels");
        }
        int spatial = d.size() - 2;
        long in = d.get(1);
        for (int k = 2; k < d.size(); k++) {
            in *= d.get(k);
        }
        List<Long> kernel = d.subList(2, d.size());
        ConvAttributes conv = new ConvAttributes((int) groups, NodeAttributes.getInts(node, "kernel_shape", kernel),
                NodeAttributes.getInts(node, "strides", Collections.nCopies(spatial, 1L)),
                NodeAttributes.getInts(node, "pads", Collections.nCopies(2 * spatial, 0L)),
                NodeAttributes.getInts(node, "dilations", Collections.nCopies(spatial, 1L)),
                NodeAttributes.getString(node, "auto_pad", "NOTSET"));
        String bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? node.getInput(2) : null;
        return Candidate.of(new OnnxLayer(graphPath, index, node.getName(), "Conv", node.getInput(1), node.getInput(0),
                bias, Math.toIntExact(in), Math.toIntExact(d.get(0) / groups), (int) groups, WeightLayout.OUT_IN,
                new ArrayList<>(d), DataType.forNumber(w.getDataType()), conv));
    }

    @Override
    public void rewrite(NodeRewrite rw) {
        NodeProto.Builder q = rw.node().toBuilder().setInput(1, rw.dequantizedWeight());
        double[] bc = rw.biasCorrection();
        if (bc == null) {
            rw.emit(q.build());
            return;
        }
        int total = rw.layer().outputChannels();
        String b = rw.layer().biasName();
        if (b == null) {
            q.addInput(rw.addInitializer("bias", new long[] {total}, bc, rw.layer().weightType().getNumber()));
            rw.biasAsNewInput();
            rw.emit(q.build());
            return;
        }
        TensorProto bt = rw.constant(b);
        if (bt != null && TensorCodec.isFloat(bt.getDataType()) && bt.getDimsCount() == 1
                && bt.getDims(0) == total) {
            double[] v = rw.decode(bt).values().clone();
            for (int j = 0; j < total; j++) {
                v[j] += bc[j];
            }
            q.setInput(2, rw.replaceConstant(b, new long[] {total}, v, bt.getDataType()));
            rw.emit(q.build());
            return;
        }
        long[] dims = new long[rw.layer().weightShape().size() - 1];
        java.util.Arrays.fill(dims, 1L);
        dims[0] = total;
        rw.emit(rw.addBiasAfter(q.build(), dims));
    }
}
