package io.comq.error;

/** A configuration that is out of range or contradicts itself; the message says how to fix it. */
public class InvalidConfigException extends InvalidInputException {
    public InvalidConfigException(String message) {
        super(message);
    }
}
