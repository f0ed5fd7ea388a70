package io.comq.format.safetensors;

import io.comq.error.InvalidInputException;
import io.comq.error.InvalidTensorFileException;
import io.comq.error.ShapeMismatchException;
import io.comq.format.npy.Npy;
import io.comq.option.Setting;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A folder of precomputed Gram matrices {@code H (in, in)}, one per layer, keyed by the layer's weight tensor name:
 * either a file {@code <tensor name>.npy} (dots kept, e.g. {@code model.layers.0.mlp.up_proj.weight.npy}) or an entry of
 * that name in one of the folder's {@code .safetensors} files. A name found in two places is refused as ambiguous.
 */
public final class GramDir {
    private final Path dir;
    private final Map<String, SafetensorsFile> entries;

    private GramDir(Path dir, Map<String, SafetensorsFile> entries) {
        this.dir = dir;
        this.entries = entries;
    }

    /**
     * Opens {@code dir}, reading the headers of its {@code .safetensors} files.
     *
     * @throws InvalidInputException if it is not a folder, or two files hold the same name
     */
    public static GramDir open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(Setting.GRAM_DIR.ref() + " " + dir + " is not a folder");
        }
        Map<String, SafetensorsFile> entries = new LinkedHashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new InvalidInputException("cannot list " + Setting.GRAM_DIR.ref() + " " + dir + ": "
                    + e.getMessage(), e);
        }
        for (Path p : files) {
            SafetensorsFile f = SafetensorsFile.open(p);
            for (String n : f.names()) {
                SafetensorsFile before = entries.putIfAbsent(n, f);
                if (before != null) {
                    throw new InvalidInputException("Gram matrix \"" + n + "\" is in both " + before.path() + " and "
                            + p + "; keep one");
                }
            }
        }
        return new GramDir(dir, entries);
    }

    /** True if this folder has a Gram matrix for {@code tensor}. */
    public boolean has(String tensor) {
        return entries.containsKey(tensor) || Files.isRegularFile(npyPath(tensor));
    }

    /**
     * The Gram matrix of the layer whose weight is {@code layer.tensor()}, checked to be {@code (in, in)}.
     *
     * @throws InvalidInputException     if there is none, or it is in two places
     * @throws ShapeMismatchException    if it is not {@code (in, in)}
     * @throws InvalidTensorFileException if its file is invalid
     */
    public Matrix gram(LinearLayer layer) {
        return gram(layer.tensor(), layer.in());
    }

    /** The Gram matrix stored for {@code tensor}, checked to be {@code (in, in)}. */
    public Matrix gram(String tensor, int in) {
        Path npy = npyPath(tensor);
        boolean inNpy = Files.isRegularFile(npy);
        SafetensorsFile st = entries.get(tensor);
        if (inNpy && st != null) {
            throw new InvalidInputException("Gram matrix of \"" + tensor + "\" is both " + npy + " and an entry of "
                    + st.path() + "; keep one");
        }
        Matrix h;
        String source;
        if (inNpy) {
            h = Npy.read(npy).toMatrix();
            source = npy.toString();
        } else if (st != null) {
            h = st.readMatrix(tensor);
            source = st.path() + " [" + tensor + "]";
        } else {
            throw new InvalidInputException("no Gram matrix for layer \"" + tensor + "\" in " + dir + ": expected "
                    + npy.getFileName() + " or an entry \"" + tensor + "\" in a .safetensors file there");
        }
        if (h.rows() != in || h.cols() != in) {
            throw new ShapeMismatchException("Gram matrix " + source + " is (" + h.rows() + ", " + h.cols()
                    + ") but layer \"" + tensor + "\" has " + in + " inputs, so H must be (" + in + ", " + in + ")");
        }
        return h;
    }

    private Path npyPath(String tensor) {
        if (tensor.contains("/") || tensor.contains("\\") || tensor.startsWith(".")) {
            throw new InvalidInputException("tensor name \"" + tensor + "\" cannot name a file in "
                    + Setting.GRAM_DIR.ref());
        }
        return dir.resolve(tensor + ".npy");
    }
}
