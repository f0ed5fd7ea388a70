package io.comq.kernel;

import java.util.Optional;

/**
 * A backend that may or may not be usable on this machine, found with {@link java.util.ServiceLoader} (register in
 * {@code META-INF/services/io.comq.kernel.KernelProvider}). Optional backends (TornadoVM) live in their own module so the
 * engine has no compile-time dependency on them.
 */
public interface KernelProvider {

    /** The backend name this provider creates, e.g. {@code tornadovm}. */
    String name();

    /** Higher runs first when no backend is forced. The CPU SIMD kernel is 100, the scalar reference 0. */
    int priority();

    /**
     * Creates the kernel if this backend works here, probing the device once.
     *
     * @param options threads and device choice
     * @return the kernel, or empty when the backend is unavailable (the reason goes to {@link #unavailableReason()})
     */
    Optional<QuantKernel> create(KernelOptions options);

    /** Why the last {@link #create} returned empty, for the report and for a forced backend's error message. */
    default String unavailableReason() {
        return "unavailable";
    }
}
