package io.comq.format.safetensors;

import java.util.Locale;

/**
 * Element types of the safetensors format, with their byte size and the Java array that holds them in a
 * {@link Tensor}. 16-bit floats are kept as their raw bits ({@code short[]}); unsigned integers as the signed Java
 * type of the same width (bits unchanged).
 */
public enum DType {
    F64(8, double[].class), F32(4, float[].class), F16(2, short[].class), BF16(2, short[].class),
    I64(8, long[].class), I32(4, int[].class), I16(2, short[].class), I8(1, byte[].class),
    U64(8, long[].class), U32(4, int[].class), U16(2, short[].class), U8(1, byte[].class), BOOL(1, byte[].class),
    F8_E4M3(1, byte[].class), F8_E5M2(1, byte[].class);

    private final int itemSize;
    private final Class<?> arrayType;

    DType(int itemSize, Class<?> arrayType) {
        this.itemSize = itemSize;
        this.arrayType = arrayType;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** The Java array class that holds elements of this type. */
    public Class<?> arrayType() {
        return arrayType;
    }

    /** True for the float types this project computes with: F64, F32, F16, BF16. */
    public boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The name as the header spells it, e.g. {@code BF16}. */
    public String id() {
        return name();
    }

    /** The dtype a header names, or {@code null} if the name is not a safetensors dtype. */
    static DType byId(String id) {
        for (DType d : values()) {
            if (d.name().equals(id)) {
                return d;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
