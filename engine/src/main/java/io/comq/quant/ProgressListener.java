package io.comq.quant;

/**
 * Receives progress of a long computation. Implementations must be cheap and thread-safe; they are called from the
 * thread running the layer.
 */
public interface ProgressListener {
    /** Nothing listens. */
    ProgressListener NONE = new ProgressListener() {
    };

    /**
     * Work inside a stage advanced.
     *
     * @param stage what runs, for example {@code "gram"}, {@code "gptq"}, {@code "sweep 2/3"}
     * @param done  units finished
     * @param total units in the stage
     */
    default void progress(String stage, long done, long total) {
    }

    /** A COMQ sweep finished with this relative error. */
    default void sweepFinished(int sweep, int sweeps, double relError) {
    }
}
