package io.comq.quant;

/** The integer grid a channel (or group) is quantized onto; see COMQ.md "Quantization grid". */
public enum Grid {
    /** {@code scale = max|w| / 2^(b-1)}, codes in {@code [-2^(b-1), 2^(b-1)-1]} (clips the largest positive weight). */
    SYM_MAXABS("sym-maxabs"),
    /** {@code scale = max|w| / (2^(b-1)-1)}, codes in {@code [-(2^(b-1)-1), 2^(b-1)-1]}. */
    SYM_RESTRICTED("sym-restricted"),
    /** {@code scale = (max w - min w)/(2^b-1)}, {@code lo = round(min w / scale)}, {@code hi = lo + 2^b - 1}. */
    ASYM_MINMAX("asym-minmax");

    private final String id;

    Grid(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean symmetric() {
        return this != ASYM_MINMAX;
    }

    public static Grid parse(String s) {
        return Names.parse(Grid.class, s.replace('_', '-'), Grid::id);
    }
}
