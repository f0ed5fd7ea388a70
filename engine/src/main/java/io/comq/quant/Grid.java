package io.comq.quant;

import io.comq.numeric.Names;

/** The integer grid a channel (or group) is quantized onto; see COMQ.md "Quantization grid". */
public enum Grid {
    /** {@code scale = max|w| / 2^(b-1)}, codes in {@code [-2^(b-1), 2^(b-1)-1]} (clips the largest positive weight). */
    SYM_MAXABS("sym-maxabs"),
    /** {@code scale = max|w| / (2^(b-1)-1)}, codes in {@code [-(2^(b-1)-1), 2^(b-1)-1]}. */
    SYM_RESTRICTED("sym-restricted"),
    /** {@code scale = (max w - min w)/(2^b-1)}, {@code lo = round(min w / scale)}, {@code hi = lo + 2^b - 1}. */
    ASYM_MINMAX("asym-minmax"),
    /**
     * The codes of sym-maxabs, with the scale of each (group, channel) chosen among {@code r * max|w| / 2^(b-1)},
     * {@code r} from {@code 2^(b-1) / (2^(b-1) - 1)} (no clipping) down to half of it in 1 % steps, as the one with the
     * least squared rounding error {@code sum (w - scale * z)^2} (clipping outliers to round the bulk finer).
     */
    SYM_MSE("sym-mse");

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
