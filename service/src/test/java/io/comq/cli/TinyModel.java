package io.comq.cli;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny image model built in code: {@code X (N, 3, 8, 8) -> conv (8, 3, 3, 3) pad 1 + bias -> Relu -> Transpose to
 * (N, 8, 8, 8) -> fc1 MatMul (8, 32) -> Relu -> fc2 MatMul (32, 16) -> Y (N, 8, 8, 16)}, and calibration data for it.
 */
public final class TinyModel {
    private TinyModel() {
    }

    static final int C = 3;
    static final int HW = 8;

    public static ModelProto model(long seed) {
        Random rnd = new Random(seed);
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
        g.addInput(value("X", "N", C, HW, HW));
        g.addOutput(value("Y", "N", HW, HW, 16));
        g.addInitializer(floats("conv.weight", gaussian(rnd, 8 * C * 9, 0.3), 8, C, 3, 3));
        g.addInitializer(floats("conv.bias", gaussian(rnd, 8, 0.1), 8));
        g.addInitializer(floats("fc1.weight", gaussian(rnd, 8 * 32, 0.3), 8, 32));
        g.addInitializer(floats("fc2.weight", gaussian(rnd, 32 * 16, 0.2), 32, 16));
        g.addNode(node("Conv", "conv", List.of("X", "conv.weight", "conv.bias"), "c",
                ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3)));
        g.addNode(node("Relu", "relu0", List.of("c"), "cr"));
        g.addNode(node("Transpose", "nhwc", List.of("cr"), "t", ints("perm", 0, 2, 3, 1)));
        g.addNode(node("MatMul", "fc1", List.of("t", "fc1.weight"), "h"));
        g.addNode(node("Relu", "relu1", List.of("h"), "hr"));
        g.addNode(node("MatMul", "fc2", List.of("hr", "fc2.weight"), "Y"));
        return wrap(g);
    }

    /**
     * A plain MLP: {@code X (N, width) -> depth x (MatMul (width, width) -> Relu) -> Y (N, width)}, big enough to
     * take a while (layer by layer) when quantized.
     */
    public static ModelProto mlp(long seed, int width, int depth) {
        Random rnd = new Random(seed);
        GraphProto.Builder g = GraphProto.newBuilder().setName("mlp");
        g.addInput(value("X", "N", width));
        String in = "X";
        for (int k = 0; k < depth; k++) {
            String w = "fc" + k + ".weight";
            g.addInitializer(floats(w, gaussian(rnd, width * width, 1.0 / Math.sqrt(width)), width, width));
            g.addNode(node("MatMul", "fc" + k, List.of(in, w), "h" + k));
            String out = k == depth - 1 ? "Y" : "r" + k;
            g.addNode(node("Relu", "relu" + k, List.of("h" + k), out));
            in = out;
        }
        g.addOutput(value("Y", "N", width));
        return wrap(g);
    }

    /** {@code n} samples of the MLP's input X {@code (n, width)}, uniform in [-1, 1], as an .npz. */
    public static Path mlpCalibration(Path file, int n, int width, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * width];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (2 * rnd.nextDouble() - 1);
        }
        Npz.write(file, Map.of("X", new NpyArray(new int[] {n, width}, NpyArray.DType.FLOAT32, x)), false);
        return file;
    }

    /** A model without MatMul, Gemm or Conv. */
    public static ModelProto reluOnly() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("relu");
        g.addInput(value("X", "N", C, HW, HW));
        g.addOutput(value("Y", "N", C, HW, HW));
        g.addNode(node("Relu", "relu", List.of("X"), "Y"));
        return wrap(g);
    }

    public static Path write(Path file, ModelProto m) throws IOException {
        Files.write(file, m.toByteArray());
        return file;
    }

    /** {@code n} samples of X, uniform in [-1, 1]. */
    public static NpyArray inputs(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n * C * HW * HW];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (2 * rnd.nextDouble() - 1);
        }
        return new NpyArray(new int[] {n, C, HW, HW}, NpyArray.DType.FLOAT32, x);
    }

    public static Path calibration(Path file, int n, long seed) {
        Npz.write(file, Map.of("X", inputs(n, seed)), false);
        return file;
    }

    /** Runs a model file at BASIC_OPT on {@code x} and returns Y flattened. */
    static float[] run(Path model, NpyArray x) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession s = env.createSession(model.toString(), so);
                 OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) x.data()),
                         new long[] {x.shape()[0], C, HW, HW});
                 OrtSession.Result r = s.run(Map.of("X", t))) {
                FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] y = new float[b.remaining()];
                b.get(y);
                return y;
            }
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime failed on " + model + ": " + e.getMessage(), e);
        }
    }

    private static ModelProto wrap(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("comq-test").setGraph(g)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17)).build();
    }

    private static float[] gaussian(Random rnd, int n, double sd) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
            v[k] = (float) (rnd.nextGaussian() * sd);
        }
        return v;
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output,
                                  AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        return n.build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    private static TensorProto floats(String name, float[] v, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** A float tensor value whose first axis is the dynamic {@code batch}. */
    private static ValueInfoProto value(String name, String batch, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) {
            s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(s))).build();
    }
}
