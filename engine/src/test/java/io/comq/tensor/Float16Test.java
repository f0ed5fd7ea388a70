package io.comq.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class Float16Test {
    @Test
    void everyHalfRoundTripsAndMidpointsRoundToEven() {
        for (int h = 0; h < 0x7C00; h++) {
            double v = Float16.toFloat((short) h);
            assertEquals(h, Float16.fromDouble(v) & 0xFFFF, "value " + v);
            assertEquals(h | 0x8000, Float16.fromDouble(-v) & 0xFFFF, "value " + -v);
            if (h == 0x7BFF) {
                break; // the next float16 is infinity; rangeEnds() covers the top
            }
            double next = Float16.toFloat((short) (h + 1));
            double mid = (v + next) / 2; // exact in double
            int even = (h & 1) == 0 ? h : h + 1;
            assertEquals(even, Float16.fromDouble(mid) & 0xFFFF, "midpoint " + mid);
            assertEquals(h, Float16.fromDouble(Math.nextDown(mid)) & 0xFFFF);
            assertEquals(h + 1, Float16.fromDouble(Math.nextUp(mid)) & 0xFFFF);
        }
    }

    @Test
    void rangeEnds() {
        assertEquals(0x7BFF, Float16.fromDouble(65504.0));
        assertEquals(0x7BFF, Float16.fromDouble(65519.99));
        assertEquals(0x7C00, Float16.fromDouble(65520.0));
        assertEquals(0x0000, Float16.fromDouble(0x1p-25));
        assertEquals(0x0001, Float16.fromDouble(Math.nextUp(0x1p-25)));
        assertEquals(0x7E00, Float16.fromDouble(Double.NaN));
    }

    @Test
    void bfloat16() {
        assertEquals(1.0f, Float16.bf16ToFloat((short) 0x3F80));
        assertEquals((short) 0x3F80, Float16.floatToBf16(1.0f));
        assertEquals((short) 0x3F80, Float16.floatToBf16(Float.intBitsToFloat(0x3F808000)), "tie to even (down)");
        assertEquals((short) 0x3F82, Float16.floatToBf16(Float.intBitsToFloat(0x3F818000)), "tie to even (up)");
    }
}
