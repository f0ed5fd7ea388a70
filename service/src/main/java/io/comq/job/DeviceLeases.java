package io.comq.job;

import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.numeric.Precision;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One job at a time per accelerator: before a job runs, the kernel its settings choose is probed; when it sweeps on a
 * device (not the CPU), the job holds that device's lease until it ends, so a second job for the same GPU waits while
 * CPU jobs run beside it on the worker pool.
 */
@Singleton
public final class DeviceLeases {

    private final Kernels kernels;
    private final Map<String, Semaphore> devices = new ConcurrentHashMap<>();

    /** Leases over every backend on the class path (the service's bean). */
    @Inject
    public DeviceLeases() {
        this(new Kernels());
    }

    /** Leases over the backends {@code kernels} chooses from. */
    public DeviceLeases(Kernels kernels) {
        this.kernels = kernels;
    }

    /** A held device, released by {@link #close()}; {@link #device()} is null for the CPU (nothing held). */
    public static final class Lease implements AutoCloseable {
        private final String device;
        private final Semaphore held;

        private Lease(String device, Semaphore held) {
            this.device = device;
            this.held = held;
        }

        /** {@code backend: device} of the accelerator held, or null. */
        public String device() {
            return device;
        }

        @Override
        public void close() {
            if (held != null) {
                held.release();
            }
        }
    }

    /**
     * Waits for the device the options choose for {@code precision}, if it is an accelerator, checking
     * {@code stopped} every second.
     *
     * @return the lease, or null if {@code stopped} turned true while waiting
     */
    public Lease acquire(KernelOptions options, Precision precision, BooleanSupplier stopped)
            throws InterruptedException {
        String device;
        try (QuantKernel probe = kernels.create(options, precision)) {
            if (probe.device().toLowerCase(Locale.ROOT).startsWith("cpu")) {
                return new Lease(null, null);
            }
            device = probe.name() + ": " + probe.device();
        }
        Semaphore s = devices.computeIfAbsent(device, d -> new Semaphore(1, true));
        while (!s.tryAcquire(1, TimeUnit.SECONDS)) {
            if (stopped.getAsBoolean()) {
                return null;
            }
        }
        return new Lease(device, s);
    }
}
