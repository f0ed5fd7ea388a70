package io.comq.format.npy;

/**
 * A problem with the bytes of one {@code .npy} stream, before it is known which file (or {@code .npz} entry) they came
 * from; {@link Npy} and {@link Npz} turn it into an {@link io.comq.error.InvalidTensorFileException} naming the file.
 */
final class NpyFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    NpyFormatException(String problem) {
        super(problem);
    }
}
