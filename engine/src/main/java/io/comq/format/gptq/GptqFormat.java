package io.comq.format.gptq;

/**
 * How a GPTQ checkpoint stores zero points; the {@code checkpoint_format} of its {@code quantize_config.json}.
 *
 * <p>Dequantization is always {@code w = scale * (q - zero)} with unsigned codes {@code q}. The original AutoGPTQ
 * format ({@code gptq}, "v1") stores {@code zero - 1} in {@code qzeros} and its kernels add the 1 back; GPTQModel's
 * {@code gptq_v2} stores {@code zero} itself. vLLM's general GPTQ kernel and transformers read {@code gptq}; only
 * GPTQModel (and kernels that convert) read {@code gptq_v2}.
 */
public enum GptqFormat {
    /** AutoGPTQ v1: {@code qzeros} holds {@code zero - 1}; a zero point of 0 cannot be stored. */
    GPTQ("gptq", 1),
    /** GPTQModel v2: {@code qzeros} holds {@code zero}. */
    GPTQ_V2("gptq_v2", 0);

    private final String id;
    private final int zeroOffset;

    GptqFormat(String id, int zeroOffset) {
        this.id = id;
        this.zeroOffset = zeroOffset;
    }

    /** The {@code checkpoint_format} string. */
    public String id() {
        return id;
    }

    /** What is subtracted from a zero point before it is packed (1 for v1, 0 for v2). */
    public int zeroOffset() {
        return zeroOffset;
    }

    /** The format named by a {@code checkpoint_format} string. */
    public static GptqFormat parse(String s) {
        for (GptqFormat f : values()) {
            if (f.id.equals(s)) {
                return f;
            }
        }
        throw new io.comq.error.InvalidConfigException("unknown GPTQ checkpoint_format \"" + s + "\"; use gptq or gptq_v2");
    }
}
