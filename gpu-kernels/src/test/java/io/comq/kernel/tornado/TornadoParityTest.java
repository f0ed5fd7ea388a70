package io.comq.kernel.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.comq.bench.SyntheticLayer;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.Layout;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.SweepState;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.quant.ProgressListener;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.tensor.Matrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The TornadoVM backend against the CPU float32 path: the shared reference vectors code for code, large random
 * layers on at least 99.9 % of the codes and within 0.5 % of the relative error, the Gram matrix to float64 rounding.
 * Runs on whatever device TornadoVM picks (PoCL's CPU device where there is no GPU); skipped, visibly, when the JVM was
 * not started with TornadoVM's argfile or TornadoVM has no device.
 */
class TornadoParityTest {

    private static QuantKernel tornado;
    private static String unavailable;

    @BeforeAll
    static void open() {
        TornadoKernelProvider provider = new TornadoKernelProvider();
        tornado = provider.create(new KernelOptions("tornadovm", 0, System.getProperty("comq.tornado.device", "")))
                .orElse(null);
        unavailable = provider.unavailableReason();
        System.out.println(tornado == null ? "TornadoVM backend unavailable: " + unavailable
                : "TornadoVM device: " + tornado.device());
    }

    /** Skips the calling test, with the reason, when there is no TornadoVM device (each test shows as skipped). */
    @BeforeEach
    void needsADevice() {
        assumeTrue(tornado != null, "TornadoVM backend unavailable: " + unavailable);
    }

    @AfterAll
    static void close() {
        if (tornado != null) {
            tornado.close();
        }
    }

    private static Path vectors() {
        return Path.of(System.getProperty("comq.shared.dir", "../../shared"), "testdata", "comq-vectors");
    }

    @ParameterizedTest(name = "{0} {1} K{2} {3}")
    @CsvSource({
        "tiny_sym4, greedy, 3, half-even, comq_greedy_K3_codes",
        "tiny_sym4, cyclic, 3, half-even, comq_cyclic_K3_codes",
        "small_asym3, greedy, 3, half-even, comq_greedy_K3_codes",
        "small_asym3, cyclic, 2, half-even, comq_cyclic_K2_codes",
        "small_sym2, greedy, 3, half-even, comq_greedy_K3_codes",
        "med_sym4, greedy, 1, half-even, comq_greedy_K1_codes",
        "med_sym4, greedy, 3, half-even, comq_greedy_K3_codes",
        "med_sym4, cyclic, 3, half-even, comq_cyclic_K3_codes",
        "dead_input_sym3, greedy, 3, half-even, comq_greedy_K3_codes",
        "dead_input_sym3, cyclic, 3, half-even, comq_cyclic_K3_codes",
        "ties, greedy, 2, half-away, comq_greedy_K2_codes_half_away",
        "ties, cyclic, 2, half-up, comq_cyclic_K2_codes_half_up",
        "ties, greedy, 2, half-down, comq_greedy_K2_codes_half_down",
        "ties, cyclic, 2, half-even, comq_cyclic_K2_codes_half_even",
    })
    void referenceVectorsCodeForCode(String name, String orderName, int sweeps, String tie, String expectedKey) {
        Path file = vectors().resolve(name + ".npz");
        assumeTrue(Files.isRegularFile(file), "reference vectors not found at " + file);
        Map<String, NpyArray> a = Npz.read(file);
        int in = a.get("W").shape()[0];
        int out = a.get("W").shape()[1];
        Layout l = new Layout(in, out, in);
        float[] H = floats(a.get("H").toDoubles());
        float[] W = channelMajor(a.get("W").toDoubles(), in, out);
        SweepState.F32 s = new SweepState.F32(l, TieRule.parse(tie), H, W, W.clone(), new int[in * out],
                new float[in * out], floats(a.get("scale").toDoubles()), a.get("lo").toInts(), a.get("hi").toInts());
        int[] order = "greedy".equals(orderName) ? tornado.greedyOrder(s) : null;
        if (order != null && a.containsKey("comq_greedy_perm")) {
            int[] perm = a.get("comq_greedy_perm").toInts();
            for (int j = 0; j < out; j++) {
                for (int k = 0; k < in; k++) {
                    assertEquals(perm[k * out + j], order[l.at(j, k)], "greedy order of channel " + j);
                }
            }
        }
        for (int k = 0; k < sweeps; k++) {
            tornado.sweep(s, order);
        }
        tornado.release(s);
        int[] expected = a.get(expectedKey).toInts();
        int[] actual = new int[in * out];
        for (int j = 0; j < out; j++) {
            for (int i = 0; i < in; i++) {
                actual[i * out + j] = s.Z()[l.at(j, i)];
            }
        }
        assertArrayEquals(expected, actual, name + " " + expectedKey);
    }

    @ParameterizedTest(name = "{0}x{1} {2} scale update {3}")
    @CsvSource({
        "1024, 512, GREEDY, NONE",
        "1024, 512, CYCLIC, NONE",
        "768, 768, GREEDY, POST",
        "512, 1024, CYCLIC, POST",
    })
    void largeRandomLayersAgreeWithTheCpu(int in, int out, ComqConfig.Order order, ComqConfig.ScaleUpdate update) {
        SyntheticLayer layer = SyntheticLayer.generate(in, out, in * 31L + out);
        LayerProblem problem = new LayerProblem(new Matrix.F32(in, out, layer.W()), new Matrix.F32(in, in, layer.H()),
                null, SyntheticLayer.ROWS);
        LayerConfig cfg = LayerConfig.of(ComqConfig.of(GridSpec.defaults()).withOrder(order).withSweeps(3)
                .withScaleUpdate(update).withPrecision(Precision.FLOAT32));
        LayerResult gpu = new LayerQuantizer(tornado).quantize(problem, cfg, ProgressListener.NONE);
        LayerResult cpu;
        try (ScalarKernel scalar = new ScalarKernel(2)) {
            cpu = new LayerQuantizer(scalar).quantize(problem, cfg, ProgressListener.NONE);
        }
        assertAgree(cpu, gpu, in + "x" + out + " " + order + " " + update);
    }

    @Test
    @Tag("slow")
    void aTransformerSizedLayerAgreesWithTheCpu() {
        largeRandomLayersAgreeWithTheCpu(2048, 1024, ComqConfig.Order.GREEDY, ComqConfig.ScaleUpdate.POST);
    }

    @Test
    void globalMemorySweepAgreesWithTheLocalOne() {
        int in = 384;
        int out = 96;
        TornadoKernel k = (TornadoKernel) tornado;
        Layout l = new Layout(in, out, in);
        k.usePlan(new LayerPlan(l, k.tornadoDevice(), k.launch(), false));
        SyntheticLayer layer = SyntheticLayer.generate(in, out, 7);
        LayerProblem problem = new LayerProblem(new Matrix.F32(in, out, layer.W()), new Matrix.F32(in, in, layer.H()),
                null, SyntheticLayer.ROWS);
        LayerConfig cfg = LayerConfig.of(ComqConfig.of(GridSpec.defaults()).withSweeps(3)
                .withPrecision(Precision.FLOAT32));
        LayerResult global = new LayerQuantizer(tornado).quantize(problem, cfg, ProgressListener.NONE);
        LayerResult cpu;
        try (ScalarKernel scalar = new ScalarKernel(2)) {
            cpu = new LayerQuantizer(scalar).quantize(problem, cfg, ProgressListener.NONE);
        }
        assertAgree(cpu, global, "global-memory sweep");
    }

    @ParameterizedTest(name = "rows per group {0}")
    @CsvSource({"256", "64"})
    void scaleUpdateMatchesTheCpu(int rowsPerGroup) {
        int in = 256;
        int out = 48;
        SyntheticLayer layer = SyntheticLayer.generate(in, out, 11);
        Layout l = new Layout(in, out, rowsPerGroup);
        float[] W = layer.channelMajorW();
        float[] scale = new float[l.groups() * out];
        int[] lo = new int[scale.length];
        int[] hi = new int[scale.length];
        for (int j = 0; j < out; j++) {
            for (int g = 0; g < l.groups(); g++) {
                float max = 0;
                for (int i = g * rowsPerGroup; i < (g + 1) * rowsPerGroup; i++) {
                    max = Math.max(max, Math.abs(W[l.at(j, i)]));
                }
                scale[l.grid(j, g * rowsPerGroup)] = max / 7;
                lo[l.grid(j, g * rowsPerGroup)] = -8;
                hi[l.grid(j, g * rowsPerGroup)] = 7;
            }
        }
        SweepState.F32 gpu = new SweepState.F32(l, TieRule.HALF_EVEN, layer.H(), W, W.clone(), new int[in * out],
                new float[in * out], scale.clone(), lo, hi);
        SweepState.F32 cpu = new SweepState.F32(l, TieRule.HALF_EVEN, layer.H(), W, W.clone(), new int[in * out],
                new float[in * out], scale.clone(), lo, hi);
        tornado.sweep(gpu, null);
        tornado.updateScales(gpu);
        double[] eGpu = tornado.residualErrors(gpu);
        tornado.release(gpu);
        double[] eCpu;
        try (ScalarKernel scalar = new ScalarKernel(1)) {
            scalar.sweep(cpu, null);
            scalar.updateScales(cpu);
            eCpu = scalar.residualErrors(cpu);
        }
        assertArrayEquals(cpu.Z(), gpu.Z(), "codes after one sweep");
        for (int t = 0; t < scale.length; t++) {
            assertEquals(cpu.scale()[t], gpu.scale()[t], 1e-5 * Math.abs(cpu.scale()[t]), "scale " + t);
        }
        for (int j = 0; j < out; j++) {
            assertEquals(eCpu[j], eGpu[j], 1e-3 * Math.abs(eCpu[j]), "error of channel " + j);
        }
    }

    @Test
    void interleavedStatesKeepTheirOwnData() {
        int in = 128;
        int out = 32;
        SyntheticLayer a = SyntheticLayer.generate(in, out, 21);
        SyntheticLayer b = SyntheticLayer.generate(in, out, 22);
        SweepState.F32 sa = state(a);
        SweepState.F32 sb = state(b);
        SweepState.F32 ra = state(a);
        SweepState.F32 rb = state(b);
        int[] oa = tornado.greedyOrder(sa);
        int[] ob = tornado.greedyOrder(sb);
        for (int k = 0; k < 2; k++) {
            tornado.sweep(sa, oa);
            tornado.sweep(sb, ob);
        }
        tornado.release(sa);
        tornado.release(sb);
        try (ScalarKernel scalar = new ScalarKernel(1)) {
            int[] pa = scalar.greedyOrder(ra);
            int[] pb = scalar.greedyOrder(rb);
            for (int k = 0; k < 2; k++) {
                scalar.sweep(ra, pa);
                scalar.sweep(rb, pb);
            }
        }
        assertArrayEquals(ra.Z(), sa.Z(), "codes of the first state");
        assertArrayEquals(rb.Z(), sb.Z(), "codes of the second state");
        int[] shuffled = oa.clone();
        int t = shuffled[0];
        shuffled[0] = shuffled[1];
        shuffled[1] = t;
        SweepState.F32 sc = state(a);
        tornado.greedyOrder(sc);
        assertThrows(IllegalArgumentException.class, () -> tornado.sweep(sc, shuffled), "an order of its own");
        tornado.release(sc);
    }

    /** A 4-bit sym-maxabs state of {@code layer}, init fp. */
    private static SweepState.F32 state(SyntheticLayer layer) {
        int in = layer.in();
        int out = layer.out();
        float[] W = layer.channelMajorW();
        float[] scale = new float[out];
        int[] lo = new int[out];
        int[] hi = new int[out];
        for (int j = 0; j < out; j++) {
            float max = 0;
            for (int i = 0; i < in; i++) {
                max = Math.max(max, Math.abs(W[j * in + i]));
            }
            scale[j] = max / 7;
            lo[j] = -8;
            hi[j] = 7;
        }
        return new SweepState.F32(new Layout(in, out, in), TieRule.HALF_EVEN, layer.H(), W, W.clone(),
                new int[in * out], new float[in * out], scale, lo, hi);
    }

    @Test
    void gramMatchesTheCpuInFloat64() {
        int rows = 77;
        int in = 131;
        Random rnd = new Random(3);
        double[] x = new double[rows * in];
        for (int t = 0; t < x.length; t++) {
            x[t] = rnd.nextGaussian();
        }
        Matrix X = new Matrix.F64(rows, in, x);
        double[] h = new double[in * in];
        double[] hRef = new double[in * in];
        double[] sum = new double[in];
        double[] sumRef = new double[in];
        for (int batch = 0; batch < 2; batch++) {
            tornado.accumulateGram(X, h, sum);
            try (ScalarKernel scalar = new ScalarKernel(1)) {
                scalar.accumulateGram(X, hRef, sumRef);
            }
        }
        for (int t = 0; t < h.length; t++) {
            assertEquals(hRef[t], h[t], 1e-9 * (1 + Math.abs(hRef[t])), "H[" + t / in + ", " + t % in + "]");
        }
        assertArrayEquals(sumRef, sum, 1e-9);
    }

    @Test
    void autoPicksTornadoForFloat32AndTheCpuForFloat64() {
        try (QuantKernel f32 = new Kernels().create(KernelOptions.auto(), Precision.FLOAT32);
             QuantKernel f64 = new Kernels().create(KernelOptions.auto(), Precision.FLOAT64)) {
            assertEquals(TornadoKernel.NAME, f32.name());
            assertTrue(f64.name().startsWith("cpu-"), f64.name());
        }
    }

    /** Same codes on at least 99.9 % of the weights, relative errors within 0.5 % of each other. */
    private static void assertAgree(LayerResult cpu, LayerResult gpu, String what) {
        int[] a = cpu.codes();
        int[] b = gpu.codes();
        int same = 0;
        for (int t = 0; t < a.length; t++) {
            if (a[t] == b[t]) {
                same++;
            }
        }
        double share = (double) same / a.length;
        double rel = Math.abs(gpu.relError() - cpu.relError()) / cpu.relError();
        System.out.printf("%s: same codes %.5f, rel err cpu %.6e gpu %.6e (%.3e apart)%n", what, share,
                cpu.relError(), gpu.relError(), rel);
        assertTrue(share >= 0.999, what + ": only " + share + " of the codes agree");
        assertTrue(rel <= 0.005, what + ": relative errors " + cpu.relError() + " and " + gpu.relError());
    }

    private static float[] channelMajor(double[] rowMajor, int in, int out) {
        float[] f = new float[in * out];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                f[j * in + i] = (float) rowMajor[i * out + j];
            }
        }
        return f;
    }

    private static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int t = 0; t < d.length; t++) {
            f[t] = (float) d[t];
        }
        return f;
    }
}
