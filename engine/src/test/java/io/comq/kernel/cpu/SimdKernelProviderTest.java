package io.comq.kernel.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.KernelOptions;
import io.comq.kernel.KernelProvider;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The provider under the test JVM, which runs with {@code --add-modules jdk.incubator.vector}. */
class SimdKernelProviderTest {

    @Test
    void isRegisteredAndCreatesTheSimdKernelWithTheRequestedThreads() {
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the test JVM is expected to run with --add-modules jdk.incubator.vector");
        boolean registered = ServiceLoader.load(KernelProvider.class).stream()
                .anyMatch(p -> p.type() == SimdKernelProvider.class);
        assertTrue(registered, "SimdKernelProvider is listed in META-INF/services");
        SimdKernelProvider provider = new SimdKernelProvider();
        assertEquals("cpu-simd", provider.name());
        assertEquals(100, provider.priority());
        try (QuantKernel k = new Kernels(List.of(provider)).create(new KernelOptions("cpu-simd", 3, ""))) {
            assertEquals("cpu-simd", k.name());
            assertEquals(3, k.threads());
            assertTrue(k.device().contains("3 threads"), k.device());
        }
        assertEquals("available", provider.unavailableReason());
    }
}
