package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code comq bench} with several backends: one table per backend, then the comparison, in one process. */
class BenchCommandTest {

    @Test
    void severalBackendsAreComparedInOneRun(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("bench.json");
        CliRun r = CliRun.of("bench", "--backend", "cpu-scalar,auto", "--layers", "48x24", "--methods",
                "comq-cyclic,rtn", "--repeats", "1", "--sgemm-size", "64", "--json", json.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("backend cpu-scalar"), r.out());
        assertTrue(r.out().contains("backends compared in one process"), r.out());
        assertTrue(r.out().matches("(?s).*48x24\\s+comq-cyclic\\s+[0-9.]+\\s+1\\.00\\s+[0-9.]+\\s+[0-9.]+.*"), r.out());
        JsonNode reports = new ObjectMapper().readTree(json.toFile());
        assertEquals(2, reports.size(), "one report per backend");
        assertEquals("cpu-scalar", reports.get(0).get("backend").asText());
    }

    @Test
    void anUnknownBackendIsABadOption() {
        CliRun r = CliRun.of("bench", "--backend", "cpu-scalar,quantum", "--layers", "16x8", "--methods", "rtn",
                "--repeats", "1", "--sgemm-size", "32");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("quantum"), r.err());
    }
}
