package io.comq.api;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code comq serve} as its own process on a free loopback port, for the tests that kill, restart or break it:
 * started with this JVM's class path and the engine's flags, its output in a log file, the caller's {@code COMQ_*}
 * and datasource variables left out unless given.
 */
final class ServeProcess {
    private ServeProcess() {
    }

    /** A port nothing listens on now. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts the service.
     *
     * @param jvm extra JVM flags (system properties), before the class path
     * @param env extra environment variables
     */
    static Process start(Path log, int port, Path data, Path tokens, List<String> jvm, Map<String, String> env)
            throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-Xmx1g"));
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.comq.cli.Main", "serve", "--port",
                Integer.toString(port), "--data-dir", data.toString(), "--token-file", tokens.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> e = new HashMap<>(pb.environment());
        e.keySet().removeIf(k -> k.startsWith("COMQ_") || k.startsWith("DATASOURCES_"));
        e.putAll(env);
        pb.environment().clear();
        pb.environment().putAll(e);
        return pb.start();
    }

    /** Waits (90 s at most) until {@code healthPath} answers 200; the process's log is in the failure. */
    static ServiceHarness await(Process p, Path log, int port, String healthPath) throws Exception {
        ServiceHarness svc = new ServiceHarness("http://127.0.0.1:" + port);
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new AssertionError("comq serve exited: " + Files.readString(log));
            }
            try {
                if (svc.get(null, healthPath).status() == 200) {
                    return svc;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("comq serve did not answer 200 on " + healthPath + ": " + Files.readString(log));
    }
}
