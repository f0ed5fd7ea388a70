package io.comq.quant;

import io.comq.error.CancelledException;

/**
 * Whether the caller wants long work to stop: the engine asks at its safe points (between batches, layers, sweeps)
 * and stops there with {@link CancelledException}, leaving nothing half-written. A front end passes one; it never
 * throws out of a progress callback to stop the engine.
 */
@FunctionalInterface
public interface Cancellation {
    /** Never cancelled. */
    Cancellation NEVER = () -> false;

    boolean isCancelled();

    /** Stops here if cancelled. */
    default void check() {
        if (isCancelled()) {
            throw new CancelledException("stopped on request");
        }
    }

    /** {@code listener} with this token asked before every step it is told of. */
    default ProgressListener checking(ProgressListener listener) {
        if (this == NEVER) {
            return listener;
        }
        return new ProgressListener() {
            @Override
            public void progress(Step step) {
                check();
                listener.progress(step);
            }

            @Override
            public void sweepFinished(int sweep, int sweeps, double relError) {
                check();
                listener.sweepFinished(sweep, sweeps, relError);
            }
        };
    }
}
