package io.comq.format.npy;

import io.comq.error.InvalidInputException;
import java.nio.file.Path;

/**
 * Where an array lives: a {@code .npy} file, or one key of a {@code .npz} archive written {@code file.npz:key}.
 *
 * @param file the file
 * @param key  the key inside an {@code .npz}, or {@code null} for a {@code .npy} file
 */
public record ArrayRef(Path file, String key) {

    /**
     * Parses {@code path.npy} or {@code path.npz:key}. A {@code .npz} without a key is accepted when it holds exactly one
     * array.
     */
    public static ArrayRef parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new InvalidInputException("an array file is required: give path.npy or path.npz:key");
        }
        int colon = spec.lastIndexOf(':');
        if (colon > 0) {
            String before = spec.substring(0, colon);
            if (before.toLowerCase(java.util.Locale.ROOT).endsWith(".npz")) {
                String key = spec.substring(colon + 1);
                if (key.isEmpty()) {
                    throw new InvalidInputException("'" + spec + "': give the array's key after the colon, path.npz:key");
                }
                return new ArrayRef(Path.of(before), key);
            }
        }
        return new ArrayRef(Path.of(spec), null);
    }

    /** Reads the array. */
    public NpyArray read() {
        if (key != null) {
            return Npz.read(file, key);
        }
        if (file.getFileName() != null && file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".npz")) {
            java.util.List<String> keys = Npz.keys(file);
            if (keys.size() != 1) {
                throw new io.comq.error.InvalidTensorFileException(file,
                        "holds " + keys.size() + " arrays " + keys + "; name one as " + file + ":key");
            }
            return Npz.read(file, keys.get(0));
        }
        return Npy.read(file);
    }

    @Override
    public String toString() {
        return key == null ? file.toString() : file + ":" + key;
    }
}
