package io.comq.error;

import java.nio.file.Path;

/** A tensor file (.npy, .npz, safetensors) that cannot be read; the message names the file and the problem. */
public class InvalidTensorFileException extends InvalidInputException {
    public InvalidTensorFileException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public InvalidTensorFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
