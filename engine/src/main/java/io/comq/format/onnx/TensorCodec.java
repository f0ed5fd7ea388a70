package io.comq.format.onnx;

import io.comq.tensor.Float16;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import io.comq.error.InvalidModelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Decoding float tensors from {@link TensorProto} (raw little-endian, typed fields, external) and encoding new ones. */
final class TensorCodec {
    private TensorCodec() {
    }

    static boolean isFloat(int type) {
        return type == DataType.FLOAT_VALUE || type == DataType.FLOAT16_VALUE || type == DataType.DOUBLE_VALUE
                || type == DataType.BFLOAT16_VALUE;
    }

    static int elementBytes(int type) {
        switch (type) {
            case DataType.DOUBLE_VALUE:
            case DataType.INT64_VALUE:
            case DataType.UINT64_VALUE:
                return 8;
            case DataType.FLOAT_VALUE:
            case DataType.INT32_VALUE:
            case DataType.UINT32_VALUE:
                return 4;
            case DataType.FLOAT16_VALUE:
            case DataType.BFLOAT16_VALUE:
            case DataType.INT16_VALUE:
            case DataType.UINT16_VALUE:
                return 2;
            default:
                return 1;
        }
    }

    static long elements(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) {
                throw new InvalidModelException("tensor " + t.getName() + " has a negative dimension " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes of the tensor's raw data: elements times element size, 4-bit types two per byte. */
    static long byteSize(TensorProto t) {
        long n = elements(t);
        int type = t.getDataType();
        if (type == DataType.INT4_VALUE || type == DataType.UINT4_VALUE) {
            return (n + 1) / 2;
        }
        return n * elementBytes(type);
    }

    /** Reads a FLOAT, FLOAT16, BFLOAT16 or DOUBLE tensor. */
    static DenseTensor decode(TensorProto t, ExternalData ext) {
        int type = t.getDataType();
        if (!isFloat(type)) {
            throw new InvalidModelException("tensor " + t.getName() + " has element type "
                    + DataType.forNumber(type) + "; only FLOAT, FLOAT16, BFLOAT16 and DOUBLE weights can be read");
        }
        long n = elements(t);
        if (n > Integer.MAX_VALUE - 16) {
            throw new InvalidModelException("tensor " + t.getName() + " has " + n + " elements, too many for one array");
        }
        double[] v = new double[(int) n];
        List<Long> shape = new ArrayList<>(t.getDimsList());
        DataType dt = DataType.forNumber(type);
        ByteBuffer b = null;
        if (ExternalData.isExternal(t)) {
            b = ext.read(t, n * elementBytes(type));
        } else if (t.hasRawData()) {
            if (t.getRawData().size() != n * elementBytes(type)) {
                throw new InvalidModelException("tensor " + t.getName() + " has " + t.getRawData().size() + " bytes of "
                        + "raw data but shape " + shape + " of " + dt + " needs " + n * elementBytes(type));
            }
            b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (b != null) {
            for (int k = 0; k < v.length; k++) {
                switch (type) {
                    case DataType.FLOAT_VALUE:
                        v[k] = b.getFloat();
                        break;
                    case DataType.DOUBLE_VALUE:
                        v[k] = b.getDouble();
                        break;
                    case DataType.FLOAT16_VALUE:
                        v[k] = Float16.toFloat(b.getShort());
                        break;
                    default:
                        v[k] = Float16.bf16ToFloat(b.getShort());
                        break;
                }
            }
            return new DenseTensor(t.getName(), shape, dt, v);
        }
        int count = type == DataType.FLOAT_VALUE ? t.getFloatDataCount()
                : type == DataType.DOUBLE_VALUE ? t.getDoubleDataCount() : t.getInt32DataCount();
        if (count != n) {
            throw new InvalidModelException("tensor " + t.getName() + " of shape " + shape + " holds " + count
                    + " values instead of " + n);
        }
        for (int k = 0; k < v.length; k++) {
            switch (type) {
                case DataType.FLOAT_VALUE:
                    v[k] = t.getFloatData(k);
                    break;
                case DataType.DOUBLE_VALUE:
                    v[k] = t.getDoubleData(k);
                    break;
                case DataType.FLOAT16_VALUE:
                    v[k] = Float16.toFloat((short) t.getInt32Data(k));
                    break;
                default:
                    v[k] = Float16.bf16ToFloat((short) t.getInt32Data(k));
                    break;
            }
        }
        return new DenseTensor(t.getName(), shape, dt, v);
    }

    /** A float tensor of element type {@code type}: FLOAT16, DOUBLE, or else FLOAT. */
    static TensorProto floats(String name, long[] dims, double[] values, int type) {
        DataType t = type == DataType.FLOAT16_VALUE ? DataType.FLOAT16
                : type == DataType.DOUBLE_VALUE ? DataType.DOUBLE : DataType.FLOAT;
        ByteBuffer b = ByteBuffer.allocate(values.length * elementBytes(t.getNumber())).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : values) {
            if (t == DataType.FLOAT16) {
                b.putShort(Float16.fromDouble((float) d));
            } else if (t == DataType.DOUBLE) {
                b.putDouble(d);
            } else {
                b.putFloat((float) d);
            }
        }
        return raw(name, dims, t, b.array());
    }

    static TensorProto int64s(String name, long[] dims, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return raw(name, dims, DataType.INT64, b.array());
    }

    /**
     * Integer codes stored as {@code type}: INT4/UINT4 two per byte, the first element in the low nibble (ONNX spec),
     * INT8/UINT8 one per byte, INT32 little-endian.
     */
    static TensorProto ints(String name, long[] dims, int[] values, DataType type) {
        byte[] out;
        switch (type) {
            case INT4:
            case UINT4:
                out = packNibbles(values);
                break;
            case INT8:
            case UINT8:
                out = new byte[values.length];
                for (int k = 0; k < values.length; k++) {
                    out[k] = (byte) values[k];
                }
                break;
            case INT32:
                ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int v : values) {
                    b.putInt(v);
                }
                out = b.array();
                break;
            default:
                throw new IllegalArgumentException("no integer storage " + type);
        }
        return raw(name, dims, type, out);
    }

    /** Two 4-bit values per byte, element {@code 2k} in the low nibble of byte {@code k}; an odd tail pads with 0. */
    static byte[] packNibbles(int[] values) {
        byte[] out = new byte[(values.length + 1) / 2];
        for (int k = 0; k < values.length; k++) {
            int nib = values[k] & 0xF;
            out[k >> 1] |= (byte) ((k & 1) == 0 ? nib : nib << 4);
        }
        return out;
    }

    static TensorProto raw(String name, long[] dims, DataType type, byte[] bytes) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(bytes));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
