package io.comq.format.npy;

import io.comq.format.npy.NpyArray.DType;

/**
 * The one place that maps Fortran (column-major) element order to C (row-major) order, for any number of dimensions.
 *
 * <p>Element {@code (i_0, ..., i_{d-1})} of an array of shape {@code s} sits at C offset
 * {@code sum_k i_k * c_k} with {@code c_{d-1} = 1, c_k = c_{k+1} s_{k+1}}, and at Fortran offset
 * {@code sum_k i_k * f_k} with {@code f_0 = 1, f_k = f_{k-1} s_{k-1}}.
 */
final class FortranOrder {
    private FortranOrder() {
    }

    /** Copies one element from source offset {@code src} to destination offset {@code dst}. */
    private interface Move {
        void move(int dst, int src);
    }

    /** Returns a new array holding {@code fortranData} (shape {@code shape}, Fortran order) in C order. */
    static Object toC(Object fortranData, DType dtype, int[] shape) {
        int n = java.lang.reflect.Array.getLength(fortranData);
        Object out = java.lang.reflect.Array.newInstance(dtype.arrayType().getComponentType(), n);
        Move move = mover(fortranData, out);
        int d = shape.length;
        if (n == 0) {
            return out;
        }
        int[] fStride = new int[d];
        for (int k = 0, s = 1; k < d; k++) {
            fStride[k] = s;
            s *= shape[k];
        }
        int[] index = new int[d];
        int src = 0;
        for (int dst = 0; dst < n; dst++) {
            move.move(dst, src);
            // advance the C-order odometer (last index fastest) and the matching Fortran offset
            for (int k = d - 1; k >= 0; k--) {
                index[k]++;
                src += fStride[k];
                if (index[k] < shape[k]) {
                    break;
                }
                src -= index[k] * fStride[k];
                index[k] = 0;
            }
        }
        return out;
    }

    private static Move mover(Object in, Object out) {
        if (in instanceof float[] a) {
            float[] b = (float[]) out;
            return (dst, src) -> b[dst] = a[src];
        }
        if (in instanceof double[] a) {
            double[] b = (double[]) out;
            return (dst, src) -> b[dst] = a[src];
        }
        if (in instanceof int[] a) {
            int[] b = (int[]) out;
            return (dst, src) -> b[dst] = a[src];
        }
        if (in instanceof long[] a) {
            long[] b = (long[]) out;
            return (dst, src) -> b[dst] = a[src];
        }
        if (in instanceof short[] a) {
            short[] b = (short[]) out;
            return (dst, src) -> b[dst] = a[src];
        }
        byte[] a = (byte[]) in;
        byte[] b = (byte[]) out;
        return (dst, src) -> b[dst] = a[src];
    }
}
