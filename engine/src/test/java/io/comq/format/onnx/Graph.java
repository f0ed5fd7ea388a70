package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/** Tiny ONNX graphs built in code for the tests. */
final class Graph {
    private final GraphProto.Builder g = GraphProto.newBuilder().setName("test");

    static Graph named(String name) {
        Graph x = new Graph();
        x.g.setName(name);
        return x;
    }

    Graph input(String name, long... dims) {
        g.addInput(value(name, TensorProto.DataType.FLOAT_VALUE, dims));
        return this;
    }

    Graph typedInput(String name, int elemType, long... dims) {
        g.addInput(value(name, elemType, dims));
        return this;
    }

    Graph output(String name) {
        g.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        return this;
    }

    Graph initializer(TensorProto t) {
        g.addInitializer(t);
        return this;
    }

    Graph initializer(String name, float[] v, long... dims) {
        return initializer(floats(name, v, dims));
    }

    Graph node(String op, String name, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs)
                .addAllOutput(outputs);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        g.addNode(n);
        return this;
    }

    /** A Constant node producing {@code name}. */
    Graph constant(String name, float[] v, long... dims) {
        return node("Constant", name + "_const", List.of(), List.of(name), AttributeProto.newBuilder().setName("value")
                .setType(AttributeProto.AttributeType.TENSOR).setT(floats(name, v, dims)).build());
    }

    GraphProto build() {
        return g.build();
    }

    ModelProto model(long opset) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("comq-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset)).build();
    }

    static AttributeProto i(String name, long v) {
        return NodeAttributes.ofInt(name, v);
    }

    static AttributeProto ints(String name, Long... v) {
        return NodeAttributes.ofInts(name, List.of(v));
    }

    static AttributeProto f(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto graph(String name, GraphProto sub) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.GRAPH).setG(sub).build();
    }

    static TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return TensorCodec.raw(name, dims, TensorProto.DataType.FLOAT, b.array());
    }

    static ValueInfoProto value(String name, int elemType, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s))).build();
    }
}
