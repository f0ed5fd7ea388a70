package io.comq.format.npy;

/** IEEE 754 half precision (float16) bits to float32; Java 17 has no {@code Float.float16ToFloat}. */
final class Half {
    private Half() {
    }

    /** The float value of the float16 with these bits (exact: every float16 is a float32). */
    static float toFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 127 - 15) << 23) | (mant << 13));
    }

    static float[] toFloats(short[] bits) {
        float[] out = new float[bits.length];
        for (int k = 0; k < bits.length; k++) {
            out[k] = toFloat(bits[k]);
        }
        return out;
    }
}
