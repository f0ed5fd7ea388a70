package io.comq.option;

/**
 * A setting a user can give, by its one canonical key (the JSON field name). Messages refer to a setting through
 * {@link #ref()}, a marker that each front end renders with {@link OptionNames#render}: the user reads the name they
 * typed, a flag on the command line or a field in JSON.
 */
public enum Setting {
    METHOD("method"), BITS("bits"), GRID("grid"), GROUP_SIZE("groupSize"), RATIO("ratio"), TIE("tie"),
    SWEEPS("sweeps"), ORDER("order"), INIT("init"), SCALE_UPDATE("scaleUpdate"), DAMP("damp"), ACT_ORDER("actOrder"),
    BLOCK_SIZE("blockSize"), COMQ_DAMP("comqDamp"), PRECISION("precision"), BIAS_CORRECTION("biasCorrection"),
    FORMAT("format"), EXCLUDE("exclude"), EXCLUDE_OPS("excludeOps"), LAYER_BITS("layerBits"),
    BATCH_SIZE("batchSize"), VALIDATION_FRACTION("validationFraction"), SEED("seed"), BACKEND("backend"),
    THREADS("threads"), DEVICE("device"), CALIBRATION_MODE("calibrationMode"), AVG_BITS("avgBits"),
    CANDIDATE_BITS("candidateBits"), OVERFIT_RATIO("overfitRatio"), WORST_SAMPLES("worstSamples"),
    MODEL("model"), CALIBRATION("calibration"), GRAM_DIR("gramDir"), OUT("out"), FORCE("force"),
    CHECKPOINT("checkpoint"), SHARD("shard"), SHARD_DIR("shardDir");

    private final String key;

    Setting(String key) {
        this.key = key;
    }

    /** The canonical name, as in JSON: {@code calibrationMode}. */
    public String key() {
        return key;
    }

    /** The marker a message carries for this setting, rendered by the front end that shows the message. */
    public String ref() {
        return OptionNames.OPEN + key + OptionNames.CLOSE;
    }

    /** The setting whose key is {@code key}, or null. */
    static Setting byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
