package io.comq.error;

/** A model file the engine cannot use: not ONNX, unreadable by ONNX Runtime, or lacking a tensor a step needs. */
public class InvalidModelException extends InvalidInputException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
