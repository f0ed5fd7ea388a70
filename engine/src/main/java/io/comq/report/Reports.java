package io.comq.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.comq.error.InvalidInputException;
import io.comq.format.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The report's one entry point: {@link #write} puts {@code report.json} (snake_case keys) and {@code report.html} (a
 * self-contained page with a summary, a log-scale chart of RTN vs final relative error per layer, and the layer and file
 * tables) into a folder, each written atomically.
 */
public final class Reports {
    private Reports() {
    }

    public static final String JSON_FILE = "report.json";
    public static final String HTML_FILE = "report.html";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Writes both files into {@code dir} (which must exist) and returns their paths, JSON first. */
    public static List<Path> write(Path dir, ModelReport report) {
        byte[] json = toJson(report);
        byte[] html = toHtml(report).getBytes(StandardCharsets.UTF_8);
        Path j = dir.resolve(JSON_FILE);
        Path h = dir.resolve(HTML_FILE);
        AtomicFile.write(j, out -> out.write(json));
        AtomicFile.write(h, out -> out.write(html));
        return List.of(j, h);
    }

    /** The report as pretty-printed JSON (UTF-8). */
    public static byte[] toJson(ModelReport report) {
        try {
            return JSON.writeValueAsBytes(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the report: " + e.getMessage(), e);
        }
    }

    /** The report as one self-contained HTML page. */
    public static String toHtml(ModelReport report) {
        return ReportHtml.render(report);
    }

    /**
     * Reads a {@code report.json} back.
     *
     * @throws InvalidInputException if it is not a report
     */
    public static ModelReport read(Path file) {
        try {
            return JSON.readValue(file.toFile(), ModelReport.class);
        } catch (IOException e) {
            throw new InvalidInputException(file + " is not a readable report: " + e.getMessage(), e);
        }
    }
}
