package io.comq.pipeline;

import ai.onnx.proto.OnnxMl;

/** Value infos for test models: float tensors {@code (N, dims...)} with a dynamic batch axis. */
final class ModelQuantizerTestValues {
    private ModelQuantizerTestValues() {
    }

    static OnnxMl.ValueInfoProto value(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }
}
