package io.comq.cli;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code comq serve}: starts the REST service (Micronaut) and runs until the process is stopped; SIGTERM shuts it
 * down gracefully (running jobs go back to the queue and resume at the next start).
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the quantization service: the REST API under /v1, health under /health.",
                "Configuration: application.yml keys, by environment (COMQ_DATA_DIR, COMQ_AUTH_TOKEN_FILE, "
                        + "DATASOURCES_DEFAULT_URL, ...) or -Dkey=value; the options below override them."})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default 8080, micronaut.server.port).")
    Integer port;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder of the embedded database, blobs and scratch files (default ./comq-data, comq.data-dir).")
    Path dataDir;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "API tokens, lines '<token> <tenant>' (comq.auth.token-file).")
    Path tokenFile;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, Object> props = new HashMap<>();
        if (port != null) {
            props.put("micronaut.server.port", port);
        }
        if (dataDir != null) {
            props.put("comq.data-dir", dataDir.toAbsolutePath().normalize().toString());
        }
        if (tokenFile != null) {
            props.put("comq.auth.token-file", tokenFile.toString());
        }
        ApplicationContext ctx = Micronaut.build(new String[0]).properties(props).banner(false).start();
        stopBeforeExitOn(ctx, "TERM", "INT");
        EmbeddedServer server = ctx.getBean(EmbeddedServer.class);
        spec.commandLine().getErr().println("comq: serving on " + server.getURL());
        spec.commandLine().getErr().flush();
        while (ctx.isRunning()) {
            Thread.sleep(500);
        }
        return Main.EXIT_OK;
    }

    /**
     * On these signals, stops the service (running jobs reach their next step and go back to the queue) before the
     * JVM exits. The JVM runs its shutdown hooks side by side, and ONNX Runtime's own hook releases its native
     * environment at once: a job still inside an ONNX Runtime call when that happens crashes the process, so the
     * service's graceful stop cannot be left to Micronaut's hook alone.
     */
    private static void stopBeforeExitOn(ApplicationContext ctx, String... signals) {
        for (String name : signals) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                if (ctx.isRunning()) {
                    ctx.stop();
                }
                System.exit(128 + sig.getNumber());
            });
        }
    }
}
