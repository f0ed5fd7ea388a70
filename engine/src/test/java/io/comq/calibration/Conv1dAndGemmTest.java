package io.comq.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.comq.calibration.data.CalibrationSet;
import io.comq.format.npy.NpyArray;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.ProgressListener;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Conv1dAndGemmTest {

    private static ScalarKernel kernel;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kernel = new ScalarKernel(2);
    }

    @AfterAll
    static void stop() {
        kernel.close();
    }

    private static float[] random(Random r, int n) {
        float[] f = new float[n];
        for (int k = 0; k < n; k++) {
            f[k] = (float) r.nextGaussian();
        }
        return f;
    }

    private Path save(OnnxMl.ModelProto m) throws Exception {
        Path p = dir.resolve(m.getGraph().getName() + ".onnx");
        Files.write(p, m.toByteArray());
        return p;
    }

    private static float[] run(Path model, float[] x, long[] shape) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model.toString(), so);
                 OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
                 OrtSession.Result res = s.run(Map.of("x", t))) {
                FloatBuffer b = ((OnnxTensor) res.get(0)).getFloatBuffer();
                float[] y = new float[b.remaining()];
                b.get(y);
                return y;
            }
        }
    }

    @Test
    void conv1dPatchesReproduceTheConvAndItsGram() throws Exception {
        // 3 groups of 2 channels, kernel 3, stride 2, dilation 2, pads (2, 1)
        ConvGeometry g = new ConvGeometry(6, 3, 1, 3, 1, 2, 1, 2, 0, 2, 0, 1);
        int n = 3;
        int len = 11;
        int out = 6;
        int ol = g.outW(len);
        assertEquals(5, ol);
        Random r = new Random(31);
        float[] x = random(r, n * 6 * len);
        float[] w = random(r, out * 2 * 3);
        OnnxMl.ModelProto proto = TinyGraphs.reluConv1d(w, out, g, len);
        assertEquals(List.of(CalibrationTarget.conv("conv1d", "act", g)), TinyGraphs.targets(proto));
        Path model = save(proto);
        LayerStatistics s = new Calibrator(kernel).calibrateAll(model, TinyGraphs.targets(proto),
                CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {n, 6, len}, x))),
                CalibrationOptions.defaults().withBatchSize(2).withChunkRows(4), ProgressListener.NONE).get("conv1d");
        float[] y = run(model, x, new long[] {n, 6, len});
        assertEquals(3, s.groups().size());
        assertEquals((long) n * ol, s.samples());
        for (int grp = 0; grp < 3; grp++) {
            double[][] p = new double[n * ol][6];
            for (int b = 0; b < n; b++) {
                for (int o = 0; o < ol; o++) {
                    for (int c = 0; c < 2; c++) {
                        for (int k = 0; k < 3; k++) {
                            int i = 2 * o - 2 + 2 * k;
                            p[b * ol + o][c * 3 + k] = i >= 0 && i < len
                                    ? Math.max(0, x[(b * 6 + grp * 2 + c) * len + i]) : 0;
                        }
                    }
                }
            }
            double[] h = new double[36];
            for (int row = 0; row < p.length; row++) {
                for (int oc = 2 * grp; oc < 2 * grp + 2; oc++) {
                    double dot = 0;
                    for (int k = 0; k < 6; k++) {
                        dot += p[row][k] * w[oc * 6 + k];
                    }
                    assertEquals(y[((row / ol) * out + oc) * ol + row % ol], dot, 1e-4);
                }
                for (int i = 0; i < 6; i++) {
                    for (int j = 0; j < 6; j++) {
                        h[i * 6 + j] += p[row][i] * p[row][j];
                    }
                }
            }
            double[] got = s.gram(grp).data();
            for (int k = 0; k < 36; k++) {
                assertEquals(h[k], got[k], 1e-9 * (1 + Math.abs(h[k])));
            }
        }
    }

    @Test
    void gemmWithTransposedWeightReadsItsInputRows() throws Exception {
        int in = 5;
        Random r = new Random(32);
        float[] x = random(r, 7 * in);
        OnnxMl.ModelProto proto = TinyGraphs.gemmTransB(random(r, 3 * in), in, 3);
        List<CalibrationTarget> targets = TinyGraphs.targets(proto);
        assertEquals(List.of(CalibrationTarget.dense("Gemm#0", "x", in)), targets);
        LayerStatistics s = new Calibrator(kernel).calibrateAll(save(proto), targets,
                CalibrationSet.of(Map.of("x", NpyArray.ofFloats(new int[] {7, in}, x))),
                CalibrationOptions.defaults().withBatchSize(3), ProgressListener.NONE).get("Gemm#0");
        assertEquals(7, s.samples());
        double[] got = s.gram(0).data();
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < in; j++) {
                double h = 0;
                for (int row = 0; row < 7; row++) {
                    h += (double) x[row * in + i] * x[row * in + j];
                }
                assertEquals(h, got[i * in + j], 1e-9 * (1 + Math.abs(h)));
            }
        }
    }
}
