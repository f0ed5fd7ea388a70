package io.comq.calibration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.ConvGeometry.AutoPad;
import io.comq.calibration.data.CalibrationSet;
import io.comq.format.npy.NpyArray;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.ProgressListener;
import io.comq.tensor.Matrix;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Conv {@code auto_pad}: the im2col patches of a conv with {@code SAME_UPPER}, {@code SAME_LOWER} or {@code VALID},
 * multiplied by its weight, reproduce ONNX Runtime's own Conv output, on odd and even sizes, strides, groups (ONNX
 * Runtime refuses dilations with {@code SAME_*}, so those are checked with {@code VALID} only).
 */
class ConvAutoPadTest {
    @TempDir
    Path dir;

    private static final int N = 2;
    private static final int C = 4;
    private static final int OUT = 8;

    /** {@code y = Conv(x, W)} with {@code auto_pad} and no pads. */
    private static OnnxMl.ModelProto conv(float[] w, ConvGeometry g, String autoPad) {
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("auto_pad_conv")
                .addInput(TinyGraphs.value("x", TinyGraphs.FLOAT, -1, g.inChannels(), -1, -1))
                .addOutput(TinyGraphs.value("y", TinyGraphs.FLOAT, -1, OUT, -1, -1))
                .addInitializer(TinyGraphs.floats("Wc", w, OUT, g.channelsPerGroup(), g.kernelH(), g.kernelW()))
                .addNode(TinyGraphs.node("Identity", "id", List.of("x"), List.of("act")))
                .addNode(TinyGraphs.node("Conv", "conv", List.of("act", "Wc"), List.of("y"),
                        TinyGraphs.ints("kernel_shape", g.kernelH(), g.kernelW()),
                        TinyGraphs.ints("strides", g.strideH(), g.strideW()),
                        TinyGraphs.ints("dilations", g.dilationH(), g.dilationW()),
                        TinyGraphs.intAttr("group", g.groups()),
                        OnnxMl.AttributeProto.newBuilder().setName("auto_pad")
                                .setType(OnnxMl.AttributeProto.AttributeType.STRING)
                                .setS(com.google.protobuf.ByteString.copyFromUtf8(autoPad)).build()))
                .build();
        return TinyGraphs.model(graph);
    }

    @ParameterizedTest(name = "{0} kernel {1}x{2} stride {3}x{4} dilation {5} groups {6} input {7}x{8}")
    @CsvSource({
            "SAME_UPPER, 3, 3, 1, 1, 1, 1, 7, 6",
            "SAME_UPPER, 3, 2, 2, 2, 1, 2, 7, 6",
            "SAME_LOWER, 3, 2, 2, 2, 1, 2, 7, 6",
            "SAME_UPPER, 4, 4, 2, 3, 1, 1, 8, 9",
            "SAME_LOWER, 4, 4, 2, 3, 1, 1, 8, 9",
            "SAME_UPPER, 3, 3, 2, 1, 1, 2, 9, 5",
            "SAME_LOWER, 2, 3, 3, 2, 1, 1, 10, 7",
            "SAME_UPPER, 2, 2, 1, 1, 1, 4, 5, 5",
            "VALID, 3, 2, 2, 2, 2, 2, 9, 8",
            "SAME_UPPER, 1, 1, 4, 3, 1, 1, 6, 7",
    })
    void patchesTimesWeightAreOnnxRuntimesConv(AutoPad mode, int kh, int kw, int sh, int sw, int dil, int groups,
                                               int h, int wd) throws Exception {
        ConvGeometry g = new ConvGeometry(C, groups, kh, kw, sh, sw, dil, dil, 0, 0, 0, 0).withAutoPad(mode);
        Random r = new Random(kh * 31 + kw * 7 + sh + h);
        float[] x = random(r, N * C * h * wd);
        int in = g.patchSize();
        float[] w = random(r, OUT * in);
        OnnxMl.ModelProto proto = conv(w, g, mode.name());
        assertEquals(List.of(CalibrationTarget.conv("conv", "act", g)), TinyGraphs.targets(proto));

        Path model = dir.resolve("conv.onnx");
        Files.write(model, proto.toByteArray());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] y;
        long[] shape;
        try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {N, C, h, wd});
             OrtSession.Result res = s.run(Map.of("x", t))) {
            OnnxTensor out = (OnnxTensor) res.get(0);
            shape = out.getInfo().getShape();
            FloatBuffer b = out.getFloatBuffer();
            y = new float[b.remaining()];
            b.get(y);
        }
        int oh = g.outH(h);
        int ow = g.outW(wd);
        assertArrayEquals(new long[] {N, OUT, oh, ow}, shape, "output size");
        int outPerGroup = OUT / groups;
        for (int grp = 0; grp < groups; grp++) {
            List<Matrix.F32> chunks = new ArrayList<>();
            Im2col.patches(x, N, h, wd, g, grp, 7, chunks::add);
            int row = 0;
            for (Matrix.F32 p : chunks) {
                for (int i = 0; i < p.rows(); i++, row++) {
                    int n = row / (oh * ow);
                    int oy = row / ow % oh;
                    int ox = row % ow;
                    for (int o = 0; o < outPerGroup; o++) {
                        int oc = grp * outPerGroup + o;
                        double dot = 0;
                        for (int k = 0; k < in; k++) {
                            dot += p.get(i, k) * w[oc * in + k];
                        }
                        assertEquals(y[((n * OUT + oc) * oh + oy) * ow + ox], dot, 1e-4,
                                mode + " output (" + n + ", " + oc + ", " + oy + ", " + ox + ")");
                    }
                }
            }
            assertEquals(N * oh * ow, row, "one patch per output position");
        }
    }

    @Test
    void calibrationOfASamePaddedConvCountsOnePatchPerOutputPosition() {
        ConvGeometry g = new ConvGeometry(C, 1, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0).withAutoPad(AutoPad.SAME_LOWER);
        Random r = new Random(3);
        OnnxMl.ModelProto proto = conv(random(r, OUT * g.patchSize()), g, "SAME_LOWER");
        float[] x = random(r, 3 * C * 5 * 6);
        CalibrationSet set = CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {3, C, 5, 6}, x)));
        try (ScalarKernel kernel = new ScalarKernel(1)) {
            LayerStatistics s = new Calibrator(kernel).calibrateAll(save(proto), TinyGraphs.targets(proto), set,
                    CalibrationOptions.defaults(), ProgressListener.NONE).get("conv");
            assertEquals(3L * 3 * 3, s.samples(), "ceil(5/2) x ceil(6/2) positions per sample");
        }
    }

    @Test
    void outputSizesFollowTheSpecification() {
        ConvGeometry same = ConvGeometry.square(1, 1, 3, 2, 1, 0).withAutoPad(AutoPad.SAME_UPPER);
        assertEquals(4, same.outH(7));
        assertEquals(new ConvGeometry(1, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1), same.forInput(7, 7));
        assertEquals(new ConvGeometry(1, 1, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1), same.forInput(8, 8), "odd pad at the end");
        ConvGeometry lower = same.withAutoPad(AutoPad.SAME_LOWER);
        assertEquals(new ConvGeometry(1, 1, 3, 3, 2, 2, 1, 1, 1, 1, 0, 0), lower.forInput(8, 8), "odd pad first");
        assertEquals(3, same.withAutoPad(AutoPad.VALID).outH(7));
    }

    private Path save(OnnxMl.ModelProto proto) {
        return TinyGraphs.save(dir.resolve("cal.onnx"), proto);
    }

    private static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int k = 0; k < n; k++) {
            f[k] = (float) r.nextGaussian();
        }
        return f;
    }
}
