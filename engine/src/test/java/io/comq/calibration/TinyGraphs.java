package io.comq.calibration;

import ai.onnx.proto.OnnxMl;
import java.util.List;

/** Tiny ONNX graphs built in code for the calibration tests. */
final class TinyGraphs {
    private TinyGraphs() {
    }

    static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = OnnxMl.TensorProto.DataType.INT64_VALUE;

    /** A value info with a shape; a dimension below 0 is dynamic (named). */
    static OnnxMl.ValueInfoProto value(String name, int elemType, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (int k = 0; k < dims.length; k++) {
            shape.addDim(dims[k] < 0
                    ? OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("d" + k)
                    : OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(dims[k]));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
                .build();
    }

    static OnnxMl.TensorProto floats(String name, float[] data, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(FLOAT);
        for (long d : dims) {
            t.addDims(d);
        }
        for (float f : data) {
            t.addFloatData(f);
        }
        return t.build();
    }

    static OnnxMl.TensorProto longs(String name, long[] data, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(INT64);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : data) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    static OnnxMl.NodeProto node(String op, String name, List<String> inputs, List<String> outputs,
                                 OnnxMl.AttributeProto... attrs) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name)
                .addAllInput(inputs).addAllOutput(outputs);
        for (OnnxMl.AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        return n.build();
    }

    static OnnxMl.AttributeProto ints(String name, long... v) {
        OnnxMl.AttributeProto.Builder a = OnnxMl.AttributeProto.newBuilder().setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static OnnxMl.AttributeProto intAttr(String name, long v) {
        return OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(v).build();
    }

    /** The calibration targets of a model, as the pipeline finds them: ONNX discovery, then the adapter. */
    static java.util.List<CalibrationTarget> targets(OnnxMl.ModelProto model) {
        return CalibrationTargets.of(io.comq.format.onnx.OnnxModel.of(model, java.nio.file.Paths.get("."))
                .layers(io.comq.format.onnx.LayerSelection.all()));
    }

    /** Writes {@code model} to {@code file} and returns the file. */
    static java.nio.file.Path save(java.nio.file.Path file, OnnxMl.ModelProto model) {
        try {
            java.nio.file.Files.write(file, model.toByteArray());
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static OnnxMl.ModelProto model(OnnxMl.GraphProto graph) {
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setProducerName("comq-test")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .setGraph(graph).build();
    }

    /**
     * {@code y = Relu(x * mask[..., None]) @ W}: x {@code (B, S, in)} float, attention_mask {@code (B, S)} int64, W
     * {@code (in, out)}. The MatMul reads the intermediate tensor {@code act}.
     */
    static OnnxMl.ModelProto maskedMatMul(float[] w, int in, int out) {
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("masked_matmul")
                .addInput(value("x", FLOAT, -1, -1, in))
                .addInput(value("attention_mask", INT64, -1, -1))
                .addOutput(value("y", FLOAT, -1, -1, out))
                .addInitializer(floats("W", w, in, out))
                .addInitializer(longs("axes", new long[] {-1}, 1))
                .addNode(node("Cast", "cast", List.of("attention_mask"), List.of("maskf"),
                        OnnxMl.AttributeProto.newBuilder().setName("to").setType(OnnxMl.AttributeProto.AttributeType.INT)
                                .setI(FLOAT).build()))
                .addNode(node("Unsqueeze", "unsq", List.of("maskf", "axes"), List.of("mask3")))
                .addNode(node("Mul", "mul", List.of("x", "mask3"), List.of("masked")))
                .addNode(node("Relu", "relu", List.of("masked"), List.of("act")))
                .addNode(node("MatMul", "fc", List.of("act", "W"), List.of("y")))
                .build();
        return model(g);
    }

    /** {@code y = Conv(Relu(x), W)} with the given geometry; x {@code (N, C, H, W)}, W {@code (out, C/groups, kh, kw)}. */
    static OnnxMl.ModelProto reluConv(float[] w, int out, ConvGeometry g, int h, int wd) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("relu_conv")
                .addInput(value("x", FLOAT, -1, g.inChannels(), h, wd))
                .addOutput(value("y", FLOAT, -1, out, g.outH(h), g.outW(wd)))
                .addInitializer(floats("Wc", w, out, g.channelsPerGroup(), g.kernelH(), g.kernelW()))
                .addNode(node("Relu", "relu", List.of("x"), List.of("act")))
                .addNode(node("Conv", "conv", List.of("act", "Wc"), List.of("y"),
                        ints("kernel_shape", g.kernelH(), g.kernelW()),
                        ints("strides", g.strideH(), g.strideW()),
                        ints("dilations", g.dilationH(), g.dilationW()),
                        ints("pads", g.padTop(), g.padLeft(), g.padBottom(), g.padRight()),
                        intAttr("group", g.groups())))
                .build();
        return model(graph);
    }

    /** {@code y = Conv(Relu(x), W)}, 1-D: x {@code (N, C, L)}, W {@code (out, C/groups, k)}; g has kernelH 1. */
    static OnnxMl.ModelProto reluConv1d(float[] w, int out, ConvGeometry g, int len) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("relu_conv1d")
                .addInput(value("x", FLOAT, -1, g.inChannels(), len))
                .addOutput(value("y", FLOAT, -1, out, g.outW(len)))
                .addInitializer(floats("Wc", w, out, g.channelsPerGroup(), g.kernelW()))
                .addNode(node("Relu", "relu", List.of("x"), List.of("act")))
                .addNode(node("Conv", "conv1d", List.of("act", "Wc"), List.of("y"),
                        ints("strides", g.strideW()), ints("dilations", g.dilationW()),
                        ints("pads", g.padLeft(), g.padRight()), intAttr("group", g.groups())))
                .build();
        return model(graph);
    }

    /** {@code y = Gemm(x, W, transB=1)}: x {@code (B, in)}, W {@code (out, in)}. */
    static OnnxMl.ModelProto gemmTransB(float[] w, int in, int out) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("gemm")
                .addInput(value("x", FLOAT, -1, in))
                .addOutput(value("y", FLOAT, -1, out))
                .addInitializer(floats("Wg", w, out, in))
                .addNode(node("Gemm", "", List.of("x", "Wg"), List.of("y"), intAttr("transB", 1)))
                .build();
        return model(graph);
    }

    /** {@code y = Log(x) @ W}: x {@code (B, in)}; zeros in x make the MatMul's input -inf. */
    static OnnxMl.ModelProto logMatMul(float[] w, int in, int out) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("log_matmul")
                .addInput(value("x", FLOAT, -1, in))
                .addOutput(value("y", FLOAT, -1, out))
                .addInitializer(floats("W", w, in, out))
                .addNode(node("Log", "log", List.of("x"), List.of("logx")))
                .addNode(node("MatMul", "fc", List.of("logx", "W"), List.of("y")))
                .build();
        return model(graph);
    }
}
