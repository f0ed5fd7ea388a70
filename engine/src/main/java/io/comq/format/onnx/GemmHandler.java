package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;

/**
 * {@code Y = alpha * A' B' + beta * C} with a constant B: {@code W = B} when {@code transB = 0}, {@code W = B^T} when
 * {@code transB = 1}. alpha scales every output alike, so it does not change the quantization problem. Gemm with
 * {@code transA = 1} is not a candidate (its activation rows are columns). A bias correction is folded into a constant
 * C as {@code C + b_c / beta}.
 */
final class GemmHandler implements OpHandler {

    @Override
    public Candidate discover(NodeProto node, int index, String graphPath, Graphs.Scope scope) {
        String label = MatMulHandler.label(node, index);
        if (node.getInputCount() < 2) {
            return Candidate.skip(label + ": fewer than 2 inputs");
        }
        if (NodeAttributes.getInt(node, "transA", 0) != 0) {
            return Candidate.skip(label + ": transA=1 is not supported");
        }
        TensorProto b = scope.find(node.getInput(1));
        if (b == null) {
            return Candidate.skip(label + ": B (" + node.getInput(1) + ") is not a constant");
        }
        String why = Weights.check(b, 2);
        if (why != null) {
            return Candidate.skip(label + ": " + why);
        }
        boolean transB = NodeAttributes.getInt(node, "transB", 0) != 0;
        List<Long> d = b.getDimsList();
        int in = Math.toIntExact(transB ? d.get(1) : d.get(0));
        int out = Math.toIntExact(transB ? d.get(0) : d.get(1));
        String bias = node.getInputCount() > 2 && !node.getInput(2).isEmpty() ? node.getInput(2) : null;
        return Candidate.of(new OnnxLayer(graphPath, index, node.getName(), "Gemm", node.getInput(1), node.getInput(0),
                bias, in, out, 1, transB ? WeightLayout.OUT_IN : WeightLayout.IN_OUT, d,
                DataType.forNumber(b.getDataType()), null));
    }

    @Override
    public void rewrite(NodeRewrite rw) {
        NodeProto.Builder q = rw.node().toBuilder().setInput(1, rw.dequantizedWeight());
        double[] bc = rw.biasCorrection();
        if (bc == null) {
            rw.emit(q.build());
            return;
        }
        float beta = NodeAttributes.getFloat(rw.node(), "beta", 1f);
        int out = rw.layer().out();
        String c = rw.layer().biasName();
        if (beta != 0 && c == null) {
            double[] v = new double[out];
            for (int j = 0; j < out; j++) {
                v[j] = bc[j] / beta;
            }
            String name = rw.addInitializer("bias", new long[] {out}, v, rw.layer().weightType().getNumber());
            while (q.getInputCount() < 2) {
                q.addInput("");
            }
            q.addInput(name);
            rw.biasAsNewInput();
            rw.emit(q.build());
            return;
        }
        if (beta != 0) {
            TensorProto ct = rw.constant(c);
            if (ct != null && TensorCodec.isFloat(ct.getDataType())
                    && TensorCodec.elements(ct) == out && ct.getDims(ct.getDimsCount() - 1) == out) {
                double[] v = rw.decode(ct).values().clone();
                for (int j = 0; j < out; j++) {
                    v[j] += bc[j] / beta;
                }
                long[] dims = ct.getDimsList().stream().mapToLong(Long::longValue).toArray();
                q.setInput(2, rw.replaceConstant(c, dims, v, ct.getDataType()));
                rw.emit(q.build());
                return;
            }
        }
        rw.emit(rw.addBiasAfter(q.build(), new long[] {out}));
    }
}
