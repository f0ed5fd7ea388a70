package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import java.util.List;

/** {@code Y = A B} with a constant 2-D B stored {@code (in, out)}: QDQ, or ONNX Runtime's MatMulNBits. */
final class MatMulHandler implements OpHandler {

    @Override
    public Candidate discover(NodeProto node, int index, String graphPath, Graphs.Scope scope) {
        if (node.getInputCount() < 2) {
            return Candidate.skip(label(node, index) + ": fewer than 2 inputs");
        }
        TensorProto b = scope.find(node.getInput(1));
        if (b == null) {
            return Candidate.skip(label(node, index) + ": B (" + node.getInput(1) + ") is not a constant"
                    + (scope.find(node.getInput(0)) != null ? " (the constant is on the left)" : ""));
        }
        String why = Weights.check(b, 2);
        if (why != null) {
            return Candidate.skip(label(node, index) + ": " + why);
        }
        List<Long> d = b.getDimsList();
        return Candidate.of(new OnnxLayer(graphPath, index, node.getName(), "MatMul", node.getInput(1),
                node.getInput(0), null, Math.toIntExact(d.get(0)), Math.toIntExact(d.get(1)), 1, WeightLayout.IN_OUT,
                d, DataType.forNumber(b.getDataType()), null));
    }

    static String label(NodeProto n, int index) {
        return Graphs.nodeLabel(n, index) + " (" + n.getOpType() + ")";
    }

    @Override
    public void rewrite(NodeRewrite rw) {
        NodeProto node = rw.node();
        if (rw.format() == QuantFormat.MATMULNBITS) {
            NodeProto nbits = MatMulNBits.rewrite(rw);
            if (nbits != null) {
                rw.emit(rw.addBiasAfter(nbits, new long[] {rw.layer().out()}));
                return;
            }
        }
        NodeProto q = node.toBuilder().setInput(1, rw.dequantizedWeight()).build();
        rw.emit(rw.addBiasAfter(q, new long[] {rw.layer().out()}));
    }
}
