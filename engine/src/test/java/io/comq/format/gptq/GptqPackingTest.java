package io.comq.format.gptq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GptqPackingTest {

    @Test
    void fourBitsLowestFirst() {
        int[] u = new int[32];
        for (int r = 0; r < 32; r++) {
            u[r] = r % 16;
        }
        assertArrayEquals(new int[] {0x76543210, 0xFEDCBA98, 0x76543210, 0xFEDCBA98}, GptqPacking.packRows(u, 32, 1, 4));
        assertArrayEquals(new int[] {0x76543210, 0xFEDCBA98, 0x76543210, 0xFEDCBA98}, GptqPacking.packCols(u, 1, 32, 4));
    }

    @Test
    void twoAndEightBits() {
        int[] u = new int[32];
        for (int r = 0; r < 32; r++) {
            u[r] = r % 4;
        }
        assertArrayEquals(new int[] {0xE4E4E4E4, 0xE4E4E4E4}, GptqPacking.packRows(u, 32, 1, 2));
        for (int r = 0; r < 32; r++) {
            u[r] = 255 - r;
        }
        int[] p = GptqPacking.packRows(u, 32, 1, 8);
        assertArrayEquals(new int[] {0xFCFDFEFF, 0xF8F9FAFB}, new int[] {p[0], p[1]});
    }

    /** AutoGPTQ's 3-bit packing loop (qlinear_cuda_old pack()), restated: 10 values, one split, 10, one split, 10. */
    private static int[] autoGptq3(int[] v) {
        int[] q = new int[v.length / 32 * 3];
        int i = 0;
        int row = 0;
        while (row < q.length) {
            for (int j = i; j < i + 10; j++) {
                q[row] |= v[j] << (3 * (j - i));
            }
            i += 10;
            q[row] |= v[i] << 30;
            row++;
            q[row] |= (v[i] >> 2) & 1;
            i++;
            for (int j = i; j < i + 10; j++) {
                q[row] |= v[j] << (3 * (j - i) + 1);
            }
            i += 10;
            q[row] |= v[i] << 31;
            row++;
            q[row] |= (v[i] >> 1) & 0x3;
            i++;
            for (int j = i; j < i + 10; j++) {
                q[row] |= v[j] << (3 * (j - i) + 2);
            }
            i += 10;
            row++;
        }
        return q;
    }

    @Test
    void threeBitsMatchAutoGptq() {
        Random rnd = new Random(3);
        int[] v = new int[96];
        for (int k = 0; k < v.length; k++) {
            v[k] = rnd.nextInt(8);
        }
        assertArrayEquals(autoGptq3(v), GptqPacking.packRows(v, 96, 1, 3));
        assertArrayEquals(autoGptq3(v), GptqPacking.packCols(v, 1, 96, 3));
    }

    @Test
    void unpackInvertsPackForEveryWidth() {
        Random rnd = new Random(5);
        for (int bits : new int[] {2, 3, 4, 8}) {
            int rows = 64;
            int cols = 96;
            int[] u = new int[rows * cols];
            for (int k = 0; k < u.length; k++) {
                u[k] = rnd.nextInt(1 << bits);
            }
            assertArrayEquals(u, GptqPacking.unpackRows(GptqPacking.packRows(u, rows, cols, bits), rows, cols, bits));
            assertArrayEquals(u, GptqPacking.unpackCols(GptqPacking.packCols(u, rows, cols, bits), rows, cols, bits));
        }
    }

    @Test
    void refusesValuesWiderThanTheCodeAndRaggedStreams() {
        assertThrows(IllegalArgumentException.class, () -> GptqPacking.packRows(new int[] {16}, 1, 1, 4));
        int[] u = new int[32];
        u[3] = 16;
        assertThrows(IllegalArgumentException.class, () -> GptqPacking.packRows(u, 32, 1, 4));
        assertThrows(IllegalArgumentException.class, () -> GptqPacking.packRows(new int[16], 16, 1, 4));
    }
}
