package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;
import io.comq.numeric.TieRule;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float32 SIMD kernel against the shared float64 reference vectors ({@code testdata/comq-vectors}): their tie
 * margins are far above float32 rounding, so the codes must agree one for one.
 */
class SimdReferenceVectorsTest {

    private static Path vectors() {
        return io.comq.testing.SharedData.vectors();
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
    void codesMatchTheReference(String name, String orderName, int sweeps, String tie, String expectedKey) {
        Path file = vectors().resolve(name + ".npz");
        Map<String, NpyArray> a = Npz.read(file);
        double[] h = a.get("H").toDoubles();
        double[] w = a.get("W").toDoubles();
        int in = a.get("W").shape()[0];
        int out = a.get("W").shape()[1];
        Layout l = new Layout(in, out, in);
        float[] H = new float[in * in];
        for (int t = 0; t < H.length; t++) {
            H[t] = (float) h[t];
        }
        float[] W = transpose(w, in, out);
        float[] scale = floats(a.get("scale").toDoubles());
        SweepState.F32 s = new SweepState.F32(l, TieRule.parse(tie), H, W, W.clone(), new int[in * out],
                new float[in * out], scale, a.get("lo").toInts(), a.get("hi").toInts());
        try (SimdKernel kernel = new SimdKernel(2, 4)) {
            int[] order = "greedy".equals(orderName) ? kernel.greedyOrder(s) : null;
            if (order != null && a.containsKey("comq_greedy_perm")) {
                int[] perm = a.get("comq_greedy_perm").toInts();
                for (int j = 0; j < out; j++) {
                    for (int k = 0; k < in; k++) {
                        assertEquals(perm[k * out + j], order[l.at(j, k)], "greedy order of channel " + j);
                    }
                }
            }
            for (int k = 0; k < sweeps; k++) {
                kernel.sweep(s, order);
            }
        }
        int[] expected = a.get(expectedKey).toInts();
        int[] actual = new int[in * out];
        for (int j = 0; j < out; j++) {
            for (int i = 0; i < in; i++) {
                actual[i * out + j] = s.Z()[l.at(j, i)];
            }
        }
        assertArrayEquals(expected, actual, name + " " + expectedKey);
    }

    private static float[] transpose(double[] rowMajor, int in, int out) {
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
