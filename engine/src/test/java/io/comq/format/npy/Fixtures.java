package io.comq.format.npy;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Locates the tiny numpy-written fixtures under {@code src/test/resources/npy/} and the shared reference vectors. */
final class Fixtures {
    private Fixtures() {
    }

    static Path npy(String name) {
        URL url = Fixtures.class.getResource("/npy/" + name);
        if (url == null) {
            throw new IllegalStateException("missing test fixture npy/" + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code <comq.shared.dir>/testdata/comq-vectors}. */
    static Path vectors() {
        return io.comq.testing.SharedData.vectors();
    }
}
