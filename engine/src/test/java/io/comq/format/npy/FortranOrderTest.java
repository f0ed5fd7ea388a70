package io.comq.format.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.comq.format.npy.NpyArray.DType;
import io.comq.tensor.Matrix;
import org.junit.jupiter.api.Test;

/** Fortran-order files (written by numpy from {@code np.asfortranarray(np.arange(n).reshape(shape))}) read as C order. */
class FortranOrderTest {

    private static double[] arange(int n) {
        double[] a = new double[n];
        for (int k = 0; k < n; k++) {
            a[k] = k;
        }
        return a;
    }

    @Test
    void twoDimensionalFloat32() {
        NpyArray a = Npy.read(Fixtures.npy("f_2d_float32.npy"));
        assertArrayEquals(new int[] {3, 4}, a.shape());
        assertArrayEquals(arange(12), a.toDoubles());
        Matrix m = a.toMatrix();
        assertEquals(6.0, m.get(1, 2)); // row 1, column 2 of arange(12).reshape(3, 4)
    }

    @Test
    void threeDimensionalFloat64() {
        NpyArray a = Npy.read(Fixtures.npy("f_3d_float64.npy"));
        assertArrayEquals(new int[] {2, 3, 4}, a.shape());
        assertArrayEquals(arange(24), a.toDoubles());
    }

    @Test
    void fourDimensionalInt32() {
        NpyArray a = Npy.read(Fixtures.npy("f_4d_int32.npy"));
        assertEquals(DType.INT32, a.dtype());
        assertArrayEquals(new int[] {2, 3, 4, 5}, a.shape());
        assertArrayEquals(arange(120), a.toDoubles());
    }

    @Test
    void bigEndianFortranInt64() {
        NpyArray a = Npy.read(Fixtures.npy("f_2d_bigendian_int64.npy"));
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, a.toLongs());
    }

    @Test
    void transposeOfAFortranBufferMatchesTheDefinitionForAnyRank() {
        int[] shape = {3, 1, 4, 2};
        int n = 24;
        // Fortran buffer: element (i0,i1,i2,i3) at i0 + 3*(i1 + 1*(i2 + 4*i3)), value = its C offset
        double[] fortran = new double[n];
        for (int i0 = 0; i0 < 3; i0++) {
            for (int i2 = 0; i2 < 4; i2++) {
                for (int i3 = 0; i3 < 2; i3++) {
                    int c = ((i0 * 1) * 4 + i2) * 2 + i3;
                    int f = i0 + 3 * (i2 * 1 + 4 * i3);
                    fortran[f] = c;
                }
            }
        }
        double[] c = (double[]) FortranOrder.toC(fortran, DType.FLOAT64, shape);
        assertArrayEquals(arange(n), c);
    }
}
