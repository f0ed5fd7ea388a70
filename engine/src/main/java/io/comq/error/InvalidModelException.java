package io.comq.error;

import java.nio.file.Path;

/**
 * A model file the engine cannot use: not ONNX, truncated, without a graph, with unsafe external data, unreadable by
 * ONNX Runtime, or lacking a tensor a step needs.
 */
public class InvalidModelException extends InvalidInputException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }

    public InvalidModelException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public InvalidModelException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
