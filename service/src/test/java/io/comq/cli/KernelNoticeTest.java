package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar comq.jar} as anyone starts a jar, without {@code --add-modules jdk.incubator.vector}: the command
 * still works, says once why it runs the scalar kernel and how to get the fast one, and the report names the kernel;
 * started with the module, it says nothing and runs {@code cpu-simd}.
 */
class KernelNoticeTest {

    @TempDir
    Path tmp;

    private String[] run(boolean module, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m"));
        if (module) {
            cmd.addAll(List.of("--add-modules", KernelNotice.MODULE));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.comq.cli.Main", "layer", "--weights",
                Vectors.file("med_sym4", "W").toString(), "--gram", Vectors.file("med_sym4", "H").toString(),
                "--precision", "float32", "--out", out.toString(), "--no-progress"));
        Path err = tmp.resolve("err-" + module);
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String backend = Files.exists(out.resolve("report.json"))
                ? new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("backend").asText() : "";
        return new String[] {Integer.toString(p.exitValue()), Files.readString(err, StandardCharsets.UTF_8), backend};
    }

    @Test
    void withoutTheVectorModuleTheScalarKernelRunsAndTheUserIsToldWhy() throws Exception {
        String[] plain = run(false, tmp.resolve("plain"));
        assertEquals("0", plain[0], plain[1]);
        assertTrue(plain[1].contains("comq: note: the SIMD kernel (cpu-simd) needs the JDK module jdk.incubator.vector"),
                plain[1]);
        assertEquals(1, plain[1].lines().filter(l -> l.startsWith("comq: note:")).count(), "said once");
        assertEquals("cpu-scalar", plain[2]);

        String[] fast = run(true, tmp.resolve("fast"));
        assertEquals("0", fast[0], fast[1]);
        assertFalse(fast[1].contains("comq: note:"), fast[1]);
        assertEquals("cpu-simd", fast[2]);
    }
}
