package io.comq.format.onnx;

import io.comq.tensor.Float16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tensor encodings: float16, typed fields, 4-bit packing, and the choice of integer storage. */
class CodecTest {
    @TempDir
    Path dir;

    @Test
    void float16RoundTripsEveryValueAndRoundsToNearestEven() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, Float16.fromDouble(f), "half 0x" + Integer.toHexString(h));
            }
        }
        assertEquals(Float16.fromDouble(1f), Float16.fromDouble(1f + 0x1p-11f), "tie to even (down)");
        assertEquals(Float16.fromDouble(1f + 0x1p-9f), Float16.fromDouble(1f + 0x3p-11f), "tie to even (up)");
        assertEquals(0x7C00, Float16.fromDouble(70000f), "overflow to infinity");
        assertEquals(1, Float16.fromDouble(0x1p-24f), "smallest subnormal");
    }

    @Test
    void readsTypedFieldsFloat16AndDouble() {
        TensorProto f = TensorProto.newBuilder().setName("f").addDims(2).setDataType(DataType.FLOAT_VALUE)
                .addFloatData(1.5f).addFloatData(-2f).build();
        assertArrayEquals(new double[] {1.5, -2}, TensorCodec.decode(f, null).values());
        TensorProto h = TensorProto.newBuilder().setName("h").addDims(2).setDataType(DataType.FLOAT16_VALUE)
                .addInt32Data(Float16.fromDouble(0.25f) & 0xFFFF).addInt32Data(Float16.fromDouble(-3f) & 0xFFFF).build();
        assertArrayEquals(new double[] {0.25, -3}, TensorCodec.decode(h, null).values());
        TensorProto d = TensorCodec.floats("d", new long[] {1, 2}, new double[] {0.1, 1e300}, DataType.DOUBLE_VALUE);
        DenseTensor dt = TensorCodec.decode(d, null);
        assertArrayEquals(new double[] {0.1, 1e300}, dt.values());
        assertEquals(io.comq.tensor.Matrix.F64.class, dt.reshape(1, 2).getClass());
        TensorProto hr = TensorCodec.floats("hr", new long[] {3}, new double[] {1, -0.5, 65504}, DataType.FLOAT16_VALUE);
        assertArrayEquals(new double[] {1, -0.5, 65504}, TensorCodec.decode(hr, null).values());
    }

    @Test
    void fourBitValuesPackLowNibbleFirst() {
        assertArrayEquals(new byte[] {(byte) 0xF1, 0x07}, TensorCodec.packNibbles(new int[] {1, -1, 7}));
        TensorProto t = TensorCodec.ints("q", new long[] {3}, new int[] {-8, 7, 3}, DataType.INT4);
        assertArrayEquals(new byte[] {0x78, 0x03}, t.getRawData().toByteArray());
    }

    @Test
    void storageWidensWhenACellCannotHoldItsCodes() {
        CodeStorage sym = CodeStorage.choose(4, true, new int[] {-8, -7}, new int[] {7, 7});
        assertEquals(DataType.INT4, sym.type());
        assertTrue(sym.allZero());
        CodeStorage asym = CodeStorage.choose(4, false, new int[] {-3, 0}, new int[] {12, 15});
        assertEquals(DataType.UINT4, asym.type());
        assertArrayEquals(new int[] {3, 0}, asym.zeroPoints());
        // all weights of the second block positive: codes 2..17 cannot be stored in 4 bits with a zero point >= 0
        CodeStorage wide = CodeStorage.choose(4, false, new int[] {-3, 2}, new int[] {12, 17});
        assertEquals(DataType.UINT8, wide.type());
        assertArrayEquals(new int[] {3, 0}, wide.zeroPoints());
        assertEquals(DataType.INT32, CodeStorage.choose(8, false, new int[] {5}, new int[] {260}).type());
        assertNull(MatMulNBits.uint4ZeroPoints(new int[] {2}, new int[] {17}));
    }

    /** A 4-bit asymmetric layer with an all-positive block: stored as UINT8, and MatMulNBits falls back to QDQ. */
    @Test
    void positiveOnlyBlocksStillComputeWhatTheOriginalComputes() throws Exception {
        GridSpec spec = OnGrid.spec(4, Grid.ASYM_MINMAX, 16);
        Random rnd = new Random(12);
        float[] w = OnGrid.weights(rnd, 32, 4, spec);
        for (int i = 0; i < 16; i++) {
            w[i * 4] = 0.25f * (i == 0 ? 2 : i == 1 ? 17 : 2 + rnd.nextInt(16)); // block 0 of channel 0: codes 2..17
        }
        Path src = dir.resolve("m.onnx");
        Files.write(src, new Graph().input("X", 2, 32).output("Y").initializer("W", w, 32, 4)
                .node("MatMul", "fc", List.of("X", "W"), List.of("Y")).model(13).toByteArray());
        OnnxModel m = OnnxModel.load(src);
        Map<OnnxLayer, List<LayerResult>> rs = Rtn.quantize(m, m.layers(LayerSelection.all()), spec);
        assertEquals(2, rs.values().iterator().next().get(0).lo()[0]);
        float[] x = OnGrid.random(rnd, 64);
        float[] expected = new Ort().input("X", x, 2, 32).run(src);
        for (QuantFormat f : QuantFormat.values()) {
            Path out = dir.resolve(f.id() + ".onnx");
            WriteReport rep = new OnnxWriter().write(m, rs, out, WriteOptions.of(f));
            assertTrue(rep.layers().get(0).representation().startsWith("qdq UINT8 blocked"), rep.toString());
            Ort.assertClose(expected, new Ort().input("X", x, 2, 32).run(out), f.id());
        }
    }
}
