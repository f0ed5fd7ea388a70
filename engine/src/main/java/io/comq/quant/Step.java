package io.comq.quant;

/**
 * One step of progress, typed: what kind of work advanced, on what, how far. Front ends decide what to show by
 * {@link #kind()}, never by parsing {@link #text()}, the words a person reads.
 *
 * @param kind    what advanced
 * @param subject what it ran on: a layer's name, {@code "2/3"} for a sweep or pass; null when the kind says it all
 * @param scope   the enclosing work, e.g. {@code "stage 2/6 (fc1 +1)"} of a sequential calibration; null at the top
 * @param done    units finished
 * @param total   units in all
 */
public record Step(Kind kind, String subject, String scope, long done, long total) {

    /** What kind of work advanced. */
    public enum Kind {
        /** Rows of a layer's inputs added to its Gram matrix {@code H = X^T X}. */
        GRAM("gram"),
        /** A block of GPTQ rows ({@code done} of {@code total} rows). */
        GPTQ_BLOCK("gptq"),
        /** A COMQ sweep finished; subject {@code "k/K"}. */
        SWEEP("sweep"),
        /** A batch of a calibration pass through the model; subject {@code "p/P"}. */
        CALIBRATION_PASS("calibration pass"),
        /** A batch of a pass over the held-out samples; subject {@code "p/P"}. */
        VALIDATION_PASS("validation pass"),
        /** A layer's statistics are complete; subject the layer. */
        LAYER_CALIBRATED("calibrated"),
        /** A layer is quantized; subject the layer. */
        LAYER_QUANTIZED("quantized"),
        /** A batch of the output drift's evaluation. */
        EVALUATION("evaluation"),
        /** A layer's effect on the output is measured (mixed precision); subject the layer. */
        SENSITIVITY("sensitivity"),
        /** Mixed precision chose the bits; subject the outcome. */
        MIXED_PRECISION("mixed precision:"),
        /** A candidate of auto's whole-model check was measured. */
        WHOLE_MODEL_CHECK("whole-model check"),
        /** A shard's layer was read for assembly; subject the layer. */
        SHARD_READ("read");

        private final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    /** A step at the top (no enclosing work). */
    public static Step of(Kind kind, String subject, long done, long total) {
        return new Step(kind, subject, null, done, total);
    }

    /** This step inside {@code enclosing} work. */
    public Step within(String enclosing) {
        return new Step(kind, subject, scope == null ? enclosing : enclosing + " " + scope, done, total);
    }

    /** The words a person reads: {@code "quantized fc1"}, {@code "stage 2/6 (fc1) calibration pass 1/2"}. */
    public String text() {
        String s = subject == null ? kind.words : kind.words + " " + subject;
        return scope == null ? s : scope + " " + s;
    }
}
