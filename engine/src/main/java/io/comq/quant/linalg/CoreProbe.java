package io.comq.quant.linalg;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which OpenBLAS core (kernel family: {@code Haswell}, {@code SkylakeX}, {@code Cooperlake}, {@code Zen}, ...) this
 * machine runs. The Java binding does not expose {@code openblas_get_corename}, so a child JVM on the same class path
 * loads OpenBLAS with {@code OPENBLAS_VERBOSE=2} (and this process's {@code OPENBLAS_CORETYPE}, if any) and its
 * {@code Core: NAME} line is read. Started in the background; about a second.
 */
public final class CoreProbe {
    private static final Pattern CORE = Pattern.compile("Core: (\\S+)");
    private static final long TIMEOUT_S = 30;

    private CoreProbe() {
    }

    /** The child's entry point: load OpenBLAS (which prints its core on stderr) and exit. */
    public static void main(String[] args) {
        org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas.class);
    }

    /** Starts the probe; the future completes with the core's name or {@code "unknown (why)"}, never exceptionally. */
    static CompletableFuture<String> start() {
        return CompletableFuture.supplyAsync(CoreProbe::probe, r -> {
            Thread t = new Thread(r, "comq-openblas-core-probe");
            t.setDaemon(true);
            t.start();
        });
    }

    private static String probe() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx64m");
        cmd.add("-XX:TieredStopAtLevel=1");
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("org.bytedeco.") || k.equals("java.io.tmpdir") || k.equals("user.home"))
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CoreProbe.class.getName());
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("OPENBLAS_VERBOSE", "2");
            Process p = pb.start();
            CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown (the probe did not finish in " + TIMEOUT_S + " s)";
            }
            Matcher m = CORE.matcher(text.get(5, TimeUnit.SECONDS));
            String core = null;
            while (m.find()) {
                core = m.group(1); // the last line is the core in use (a forced unknown name is reported first)
            }
            return core != null ? core : "unknown (OpenBLAS printed no core; exit code " + p.exitValue() + ")";
        } catch (IOException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown (interrupted)";
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
