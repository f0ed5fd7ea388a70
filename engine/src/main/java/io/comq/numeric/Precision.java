package io.comq.numeric;

/** Arithmetic precision of a quantization run: float64 is the reference, float32 the fast path. */
public enum Precision {
    FLOAT64("float64"),
    FLOAT32("float32");

    private final String id;

    Precision(String id) {
        this.id = id;
    }

    /** The name used on the command line and in reports. */
    public String id() {
        return id;
    }

    public static Precision parse(String s) {
        return Names.parse(Precision.class, s, Precision::id);
    }
}
