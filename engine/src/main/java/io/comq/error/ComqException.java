package io.comq.error;

/** Base of the engine's typed errors. Each subtype names one kind of problem a user can act on. */
public abstract class ComqException extends RuntimeException {
    protected ComqException(String message) {
        super(message);
    }

    protected ComqException(String message, Throwable cause) {
        super(message, cause);
    }
}
