package io.comq.error;

/** Arrays whose shapes do not fit together (W against H, X against W). */
public class ShapeMismatchException extends InvalidInputException {
    public ShapeMismatchException(String message) {
        super(message);
    }
}
