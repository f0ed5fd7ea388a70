package io.comq.calibration;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.comq.calibration.data.ModelInput;
import io.comq.error.InvalidModelException;
import io.comq.format.npy.NpyArray;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Conversions between this project's arrays and ONNX Runtime tensors. */
public final class OrtTensors {
    private OrtTensors() {
    }

    /** The session's inputs as {@link ModelInput}s, in the model's order. */
    public static List<ModelInput> inputs(OrtSession session) throws OrtException {
        List<ModelInput> out = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo)) {
                throw new InvalidModelException("model input '" + e.getKey() + "' is not a tensor ("
                        + e.getValue().getInfo() + "); calibration feeds tensors only");
            }
            TensorInfo t = (TensorInfo) e.getValue().getInfo();
            out.add(new ModelInput(e.getKey(), dtype(e.getKey(), t.onnxType), t.getShape()));
        }
        return out;
    }

    private static NpyArray.DType dtype(String name, TensorInfo.OnnxTensorType t) {
        switch (t) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
                return NpyArray.DType.FLOAT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
                return NpyArray.DType.FLOAT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
                return NpyArray.DType.FLOAT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
                return NpyArray.DType.INT64;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
                return NpyArray.DType.INT32;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16:
                return NpyArray.DType.INT16;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
                return NpyArray.DType.INT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
                return NpyArray.DType.UINT8;
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
                return NpyArray.DType.BOOL;
            default:
                throw new InvalidModelException("model input '" + name + "' has element type " + t
                        + ", which calibration sets cannot carry");
        }
    }

    /** An ONNX Runtime tensor holding a copy of {@code a}. */
    public static OnnxTensor tensor(OrtEnvironment env, NpyArray a) throws OrtException {
        long[] shape = new long[a.ndim()];
        for (int k = 0; k < shape.length; k++) {
            shape[k] = a.shape()[k];
        }
        switch (a.dtype()) {
            case FLOAT32:
                return OnnxTensor.createTensor(env, FloatBuffer.wrap((float[]) a.data()), shape);
            case FLOAT64:
                return OnnxTensor.createTensor(env, DoubleBuffer.wrap((double[]) a.data()), shape);
            case FLOAT16:
                return OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) a.data()), shape, OnnxJavaType.FLOAT16);
            case INT16:
                return OnnxTensor.createTensor(env, ShortBuffer.wrap((short[]) a.data()), shape);
            case INT32:
                return OnnxTensor.createTensor(env, IntBuffer.wrap((int[]) a.data()), shape);
            case INT64:
                return OnnxTensor.createTensor(env, LongBuffer.wrap((long[]) a.data()), shape);
            case INT8:
                return OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) a.data()), shape, OnnxJavaType.INT8);
            case UINT8:
                return OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) a.data()), shape, OnnxJavaType.UINT8);
            case BOOL:
                return OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) a.data()), shape, OnnxJavaType.BOOL);
            default:
                throw new IllegalStateException("unhandled dtype " + a.dtype());
        }
    }

    /** A float tensor's elements (float16 and bfloat16 widened, float64 narrowed) in C order. */
    public static float[] floats(String name, OnnxTensor t) {
        TensorInfo info = t.getInfo();
        switch (info.onnxType) {
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16: {
                FloatBuffer b = t.getFloatBuffer(); // already a copy: use its array when it is exactly the data
                if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining()) {
                    return b.array();
                }
                float[] out = new float[b.remaining()];
                b.get(out);
                return out;
            }
            case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: {
                DoubleBuffer b = t.getDoubleBuffer();
                float[] out = new float[b.remaining()];
                for (int k = 0; k < out.length; k++) {
                    out[k] = (float) b.get(k);
                }
                return out;
            }
            default:
                throw new InvalidModelException("tensor '" + name + "' has element type " + info.onnxType
                        + "; a quantizable layer's input must be a float tensor");
        }
    }
}
