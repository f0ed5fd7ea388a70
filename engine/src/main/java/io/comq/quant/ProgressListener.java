package io.comq.quant;

/**
 * Receives progress of a long computation as typed {@link Step}s. Implementations must be cheap and thread-safe;
 * they are called from the threads doing the work. To stop the work, pass a {@link Cancellation}: a listener never
 * throws to stop it.
 */
public interface ProgressListener {
    /** Nothing listens. */
    ProgressListener NONE = new ProgressListener() {
    };

    /** Work advanced. */
    default void progress(Step step) {
    }

    /** A COMQ sweep finished with this relative error. */
    default void sweepFinished(int sweep, int sweeps, double relError) {
    }
}
