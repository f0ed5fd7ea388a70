package io.comq.error;

/** User input the engine cannot accept: a malformed file, a wrong shape, NaN data. Maps to exit code 2 / HTTP 4xx. */
public class InvalidInputException extends ComqException {
    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
