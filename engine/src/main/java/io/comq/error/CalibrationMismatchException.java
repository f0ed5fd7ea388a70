package io.comq.error;

/**
 * A calibration set that does not fit the model: a missing input, an extra array, a wrong element type or shape,
 * arrays with differing sample counts, or non-finite values. The message names the input and the mismatch.
 */
public class CalibrationMismatchException extends InvalidInputException {
    public CalibrationMismatchException(String message) {
        super(message);
    }
}
