package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * What the package knows about one op type: whether a node of it is a quantizable layer, and how to rewrite it with
 * quantized weights. The registry ({@link OpHandlers}) maps op types to handlers; {@link #PASS_THROUGH}, the default,
 * finds no layer and keeps the node as it is.
 */
interface OpHandler {

    /** The layer this node is, a reason it is not one, or null when the op type is never a candidate. */
    Candidate discover(NodeProto node, int index, String graphPath, Graphs.Scope scope);

    /** Emits the rewritten node (and any nodes and initializers it needs) into {@code rw}. */
    void rewrite(NodeRewrite rw);

    OpHandler PASS_THROUGH = new OpHandler() {
        @Override
        public Candidate discover(NodeProto node, int index, String graphPath, Graphs.Scope scope) {
            return null;
        }

        @Override
        public void rewrite(NodeRewrite rw) {
            rw.emit(rw.node());
        }
    };
}
