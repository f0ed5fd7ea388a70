package io.comq.api;

import io.micronaut.context.ApplicationContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The service test harness for tests outside {@code io.comq.api}. */
public final class ServiceHarnessAccess implements AutoCloseable {
    /** Tenant alice's token. */
    public static final String ALICE = ServiceHarness.ALICE;
    private final ServiceHarness svc;

    private ServiceHarnessAccess(ServiceHarness svc) {
        this.svc = svc;
    }

    /** Starts the real server over {@code dataDir} with {@code extra} configuration. */
    public static ServiceHarnessAccess start(Path dataDir, Map<String, Object> extra) {
        return new ServiceHarnessAccess(new ServiceHarness(dataDir, extra));
    }

    /** The server's base URL. */
    public String url() {
        return svc.server.getURL().toString();
    }

    public ApplicationContext context() {
        return svc.context;
    }

    /** Runs the tiny model's job for tenant alice (with a webhook URL, or null) and waits until it has ended. */
    public String runTinyJob(Path dir, String webhookUrl) throws Exception {
        String id = TinyJob.submit(svc, ServiceHarness.ALICE, dir, 2, webhookUrl);
        svc.awaitEnd(ServiceHarness.ALICE, id, Duration.ofSeconds(120));
        return id;
    }

    @Override
    public void close() {
        svc.close();
    }
}
