package io.comq.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.format.npy.Npy;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Reads the shared reference vectors ({@code testdata/comq-vectors}). */
public final class Vectors {
    private Vectors() {
    }

    public static Path dir() {
        return io.comq.testing.SharedData.vectors();
    }

    /** The manifest entry of case {@code name}. */
    public static JsonNode manifest(String name) {
        try {
            JsonNode root = new ObjectMapper().readTree(dir().resolve("manifest.json").toFile());
            for (JsonNode c : root.get("cases")) {
                if (c.get("case").asText().equals(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("no case " + name + " in the manifest");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Matrix.F64 matrix(String c, String array) {
        return Npy.read(dir().resolve(c).resolve(array + ".npy")).toMatrix().toF64();
    }

    public static double[] doubles(String c, String array) {
        return Npy.read(dir().resolve(c).resolve(array + ".npy")).toDoubles();
    }

    public static int[] ints(String c, String array) {
        return Npy.read(dir().resolve(c).resolve(array + ".npy")).toInts();
    }

    /** The case's layer problem: {@code W} and {@code H} as stored. */
    public static LayerProblem problem(String c) {
        return LayerProblem.of(matrix(c, "W"), matrix(c, "H"));
    }
}
