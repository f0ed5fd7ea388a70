package io.comq.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing a folder and everything in it: the one recursive delete of the project. */
public final class Folders {
    private Folders() {
    }

    /** Deletes {@code root} and everything under it; nothing happens if it does not exist. */
    public static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) { // children before their folder
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@link #deleteTree}, for clean-up after a failure: an error here is dropped, the original one is reported. */
    public static void deleteTreeQuietly(Path root) {
        try {
            deleteTree(root);
        } catch (IOException ignored) {
            // the original failure is the one to report
        }
    }
}
