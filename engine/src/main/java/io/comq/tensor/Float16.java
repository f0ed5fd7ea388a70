package io.comq.tensor;

/**
 * IEEE 754 half precision (F16) and bfloat16 (BF16) conversions. Java 17 has no {@code Float.float16ToFloat}; every
 * conversion to a narrower type rounds to nearest, ties to even, as numpy and PyTorch do.
 */
public final class Float16 {
    private Float16() {
    }

    /** Largest finite float16. */
    public static final double MAX = 65504.0;

    /** The value of the float16 with these bits (exact: every float16 is a float32). */
    public static float toFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 127 - 15) << 23) | (mant << 13));
    }

    /** Every element of {@code bits} as float32. */
    public static float[] toFloats(short[] bits) {
        float[] out = new float[bits.length];
        for (int k = 0; k < bits.length; k++) {
            out[k] = toFloat(bits[k]);
        }
        return out;
    }

    /** The float16 nearest to {@code v} (ties to even); beyond the float16 range it is an infinity. */
    public static short fromDouble(double v) {
        if (Double.isNaN(v)) {
            return (short) 0x7E00;
        }
        int sign = (Double.doubleToRawLongBits(v) < 0) ? 0x8000 : 0;
        double a = Math.abs(v);
        if (a >= 65520.0) {
            // 65504 is the largest float16; 65520 is the midpoint to the next power of two and rounds (to even) up
            return (short) (sign | 0x7C00);
        }
        if (a < 0x1p-14) {
            // subnormal or zero: a multiple of 2^-24; scaling by a power of two is exact, rint is ties-to-even
            int q = (int) Math.rint(a * 0x1p24);
            return (short) (sign | q);
        }
        int e = Math.getExponent(a);
        int q = (int) Math.rint(Math.scalb(a, 10 - e));
        if (q == 2048) {
            q = 1024;
            e++;
        }
        return (short) (sign | ((e + 15) << 10) | (q - 1024));
    }

    /** {@code fromDouble(v)} read back: the value {@code v} takes when stored as float16. */
    public static double round(double v) {
        return toFloat(fromDouble(v));
    }

    /** The value of the bfloat16 with these bits (the upper half of a float32). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The bfloat16 nearest to {@code f} (ties to even); NaN stays NaN. */
    public static short floatToBf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((b >>> 16) | 0x40);
        }
        int lsb = (b >>> 16) & 1;
        return (short) ((b + 0x7FFF + lsb) >>> 16);
    }
}
