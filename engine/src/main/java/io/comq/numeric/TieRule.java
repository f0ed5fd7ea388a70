package io.comq.numeric;

/**
 * How {@code round(.)} breaks exact half-way ties. COMQ.md's reference uses {@link #HALF_EVEN}; Java's
 * {@code Math.rint} is half-even, {@code Math.round} is half-up.
 */
public enum TieRule {
    HALF_EVEN("half-even"),
    HALF_AWAY("half-away"),
    HALF_UP("half-up"),
    HALF_DOWN("half-down");

    private final String id;

    TieRule(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static TieRule parse(String s) {
        return Names.parse(TieRule.class, s, TieRule::id);
    }

    /** Rounds {@code x} to the nearest integer, breaking exact ties by this rule. */
    public double round(double x) {
        return switch (this) {
            case HALF_EVEN -> Math.rint(x);
            case HALF_AWAY -> Math.signum(x) * Math.floor(Math.abs(x) + 0.5);
            case HALF_UP -> Math.floor(x + 0.5);
            case HALF_DOWN -> Math.ceil(x - 0.5);
        };
    }

    /** Float version of {@link #round(double)}. */
    public float round(float x) {
        return switch (this) {
            case HALF_EVEN -> (float) Math.rint(x);
            case HALF_AWAY -> Math.signum(x) * (float) Math.floor(Math.abs(x) + 0.5f);
            case HALF_UP -> (float) Math.floor(x + 0.5f);
            case HALF_DOWN -> (float) Math.ceil(x - 0.5f);
        };
    }
}
