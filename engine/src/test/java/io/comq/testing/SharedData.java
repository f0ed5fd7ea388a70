package io.comq.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shared reference vectors are, for every module's tests: {@code <comq.shared.dir>/testdata/comq-vectors},
 * the system property the build sets to the {@code shared/} folder beside the project (relative to the module's
 * folder when a test runs without it). Missing vectors fail the test that needs them, naming where they were looked
 * for: one behaviour, never a silent skip.
 */
public final class SharedData {
    private SharedData() {
    }

    /** The reference vectors' folder. */
    public static Path vectors() {
        Path dir = Path.of(System.getProperty("comq.shared.dir", "../../shared"), "testdata", "comq-vectors");
        if (!Files.isDirectory(dir)) {
            throw new AssertionError("the reference vectors are not at " + dir.toAbsolutePath() + ": put the shared/ "
                    + "folder beside the project or set -Dcomq.shared.dir");
        }
        return dir;
    }
}
