package io.comq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.format.npy.Npy;
import io.comq.format.npy.NpyArray;
import java.io.IOException;
import java.nio.file.Path;

/** The shared reference vectors ({@code <comq.shared.dir>/testdata/comq-vectors}) and their manifest. */
final class Vectors {
    private Vectors() {
    }

    static Path dir() {
        return io.comq.testing.SharedData.vectors();
    }

    static Path file(String caseName, String array) {
        return dir().resolve(caseName).resolve(array + ".npy");
    }

    static NpyArray read(String caseName, String array) {
        return Npy.read(file(caseName, array));
    }

    /** {@code results.<method>.rel} of a case in {@code manifest.json}. */
    static double rel(String caseName, String method) throws IOException {
        JsonNode m = new ObjectMapper().readTree(dir().resolve("manifest.json").toFile());
        for (JsonNode c : m.get("cases")) {
            if (c.get("case").asText().equals(caseName)) {
                return c.get("results").get(method).get("rel").asDouble();
            }
        }
        throw new IllegalArgumentException("no case " + caseName);
    }
}
