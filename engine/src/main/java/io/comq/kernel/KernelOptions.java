package io.comq.kernel;

import io.comq.error.InvalidConfigException;

/**
 * How to pick and size a kernel.
 *
 * @param backend backend name to force ({@code cpu-simd}, {@code cpu-scalar}, {@code tornadovm}), or {@code auto}
 * @param threads worker threads for CPU backends; 0 means one per available processor
 * @param device  device index or name for accelerator backends; empty for the default
 */
public record KernelOptions(String backend, int threads, String device) {
    public KernelOptions {
        if (backend == null || backend.isBlank()) {
            backend = "auto";
        }
        if (threads < 0) {
            throw new InvalidConfigException("threads must be 0 (all processors) or positive, got " + threads);
        }
        device = device == null ? "" : device;
    }

    public static KernelOptions auto() {
        return new KernelOptions("auto", 0, "");
    }

    /** The thread count to use: {@link #threads} or the number of available processors. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
