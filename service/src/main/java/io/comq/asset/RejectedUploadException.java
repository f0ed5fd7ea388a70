package io.comq.asset;

import io.comq.error.InvalidInputException;

/**
 * The engine refused an upload; the message names the upload by the client's name instead of the server's staging
 * path. {@link #getCause()} is the engine's typed error, which decides the HTTP status.
 */
public class RejectedUploadException extends InvalidInputException {
    public RejectedUploadException(InvalidInputException cause, String message) {
        super(message, cause);
    }

    /** The engine's error. */
    public InvalidInputException engineError() {
        return (InvalidInputException) getCause();
    }
}
