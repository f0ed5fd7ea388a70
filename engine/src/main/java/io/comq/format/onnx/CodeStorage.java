package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;

/**
 * The integer type that stores a layer's codes and the zero point of every (group, channel) cell: stored value
 * {@code u = z + zp}, dequantized {@code (u - zp) * scale = z * scale}.
 *
 * <p>Symmetric grids use signed types with zero point 0 (INT4 up to 4 bits, else INT8). Asymmetric grids use unsigned
 * types with zero point {@code -lo} (UINT4 up to 4 bits, else UINT8); a cell whose codes do not straddle 0 (all
 * weights of a block positive, say) gets the nearest zero point that keeps its codes in range, and when none exists the
 * layer moves to the next wider type, INT32 (zero point 0) last.
 *
 * @param type       the storage type
 * @param zeroPoints one per cell, in the order of the lo/hi arrays given
 */
record CodeStorage(DataType type, int[] zeroPoints) {

    /** Chooses the narrowest type holding every cell {@code [lo[k], hi[k]]}. */
    static CodeStorage choose(int bits, boolean symmetric, int[] lo, int[] hi) {
        DataType[] order = symmetric
                ? (bits <= 4 ? new DataType[] {DataType.INT4, DataType.INT8} : new DataType[] {DataType.INT8})
                : (bits <= 4 ? new DataType[] {DataType.UINT4, DataType.UINT8} : new DataType[] {DataType.UINT8});
        for (DataType t : order) {
            int[] zp = zeroPoints(t, lo, hi);
            if (zp != null) {
                return new CodeStorage(t, zp);
            }
        }
        return new CodeStorage(DataType.INT32, new int[lo.length]);
    }

    /** Zero points storing every cell in {@code [min, max]} of the type, or null if some cell does not fit. */
    static int[] zeroPoints(DataType t, int[] lo, int[] hi) {
        int min = min(t);
        int max = max(t);
        boolean signed = min < 0;
        int[] zp = new int[lo.length];
        for (int k = 0; k < lo.length; k++) {
            // u = z + zp in [min, max] for z in [lo, hi]  <=>  zp in [min - lo, max - hi], and zp itself in [min, max]
            int from = Math.max(min - lo[k], min);
            int to = Math.min(max - hi[k], max);
            if (from > to) {
                return null;
            }
            int want = signed ? 0 : -lo[k];
            zp[k] = Math.max(from, Math.min(to, want));
        }
        return zp;
    }

    static int min(DataType t) {
        switch (t) {
            case INT4:
                return -8;
            case INT8:
                return -128;
            case INT32:
                return Integer.MIN_VALUE;
            default:
                return 0;
        }
    }

    static int max(DataType t) {
        switch (t) {
            case INT4:
                return 7;
            case UINT4:
                return 15;
            case INT8:
                return 127;
            case UINT8:
                return 255;
            default:
                return Integer.MAX_VALUE;
        }
    }

    boolean allZero() {
        for (int z : zeroPoints) {
            if (z != 0) {
                return false;
            }
        }
        return true;
    }

    boolean fourBit() {
        return type == DataType.INT4 || type == DataType.UINT4;
    }
}
