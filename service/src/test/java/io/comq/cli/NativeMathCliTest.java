package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.format.npy.Npy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user runs it, in its own JVM: {@code comq info} names the machine's math, and a deliberately
 * broken OpenBLAS ({@code -Dcomq.math.drill=factor}) gives a warning, a report that says plain Java computed, and the
 * reference codes, or, under {@code COMQ_MATH=native}, exit code 3 and no output folder. Never a written artifact
 * that claims OpenBLAS succeeded.
 */
class NativeMathCliTest {

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private Run comq(Map<String, String> env, List<String> jvm, String... args) throws IOException,
            InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-Xmx512m"));
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.comq.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> e = new HashMap<>(pb.environment());
        e.keySet().removeIf(k -> k.startsWith("COMQ_"));
        e.putAll(env);
        pb.environment().clear();
        pb.environment().putAll(e);
        Process p = pb.start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "comq did not finish");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private String[] gptq(Path out) {
        return new String[] {"layer", "--weights", Vectors.file("med_sym4", "W").toString(), "--gram",
                Vectors.file("med_sym4", "H").toString(), "--method", "gptq", "--out", out.toString(), "--no-progress"};
    }

    @Test
    void infoNamesTheCpuOpenBlasItsCoreTheSelfTestAndTheKernels() throws Exception {
        Run r = comq(Map.of(), List.of(), "info", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode env = new ObjectMapper().readTree(r.out());
        assertEquals("passed", env.at("/math/selfTest").asText());
        assertEquals("openblas", env.at("/math/using").asText());
        assertEquals("0.3.31", env.at("/math/openblas").asText());
        assertFalse(env.at("/math/openblasCore").asText().startsWith("unknown"), env.toString());
        assertFalse(env.at("/cpu").asText().isBlank());
        assertTrue(env.at("/kernels").findValuesAsText("name").contains("cpu-scalar"), env.toString());
        assertFalse(r.err().contains("SLF4J"), r.err());

        Run text = comq(Map.of(), List.of(), "info");
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("self-test passed"), text.out());
    }

    @Test
    void aBrokenNativeFactorFallsBackToPlainJavaAndSaysSo() throws Exception {
        Path out = tmp.resolve("fallback");
        Run r = comq(Map.of(), List.of("-Dcomq.math.drill=factor"), gptq(out));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("comq: warning: native math is off: OpenBLAS failed its self-test"), r.err());
        assertArrayEquals(Vectors.read("med_sym4", "gptq_codes").toLongs(), Npy.read(out.resolve("codes.npy"))
                .toLongs());
        JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals("java", report.get("backend").asText());
        assertEquals("java", report.at("/environment/math/using").asText());
        assertEquals("failed", report.at("/environment/math/self_test").asText(report.toString()));
        assertNotEquals("", report.at("/environment/math/fallback").asText());
    }

    @Test
    void aBrokenNativeFactorUnderComqMathNativeRefusesAndWritesNothing() throws Exception {
        Path out = tmp.resolve("refused");
        Run r = comq(Map.of("COMQ_MATH", "native"), List.of("-Dcomq.math.drill=factor"), gptq(out));
        assertEquals(Main.EXIT_UNTRUSTED_MATH, r.code(), r.err());
        assertTrue(r.err().contains("comq: error: COMQ_MATH=native, but OpenBLAS failed its self-test"), r.err());
        assertTrue(r.err().contains("OpenBLAS 0.3.31 core"), r.err());
        assertFalse(Files.exists(out), "no output folder");
        Run info = comq(Map.of("COMQ_MATH", "native"), List.of("-Dcomq.math.drill=factor"), "info");
        assertEquals(Main.EXIT_UNTRUSTED_MATH, info.code(), info.err());
        assertTrue(info.out().contains("refused:"), info.out());
    }
}
