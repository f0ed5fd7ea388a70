package io.comq.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.numeric.Precision;
import org.junit.jupiter.api.Test;

/** Backend selection: the fallback chain, by precision when asked. */
class KernelsTest {

    @Test
    void autoPicksTheBestKernelThatSweepsInTheAskedPrecision() {
        Kernels kernels = new Kernels();
        assertEquals(java.util.List.of("cpu-simd", "cpu-scalar"), kernels.names());
        try (QuantKernel fast = kernels.create(KernelOptions.auto(), Precision.FLOAT32)) {
            assertEquals("cpu-simd", fast.name());
        }
        try (QuantKernel reference = kernels.create(KernelOptions.auto(), Precision.FLOAT64)) {
            assertEquals("cpu-scalar", reference.name());
            assertTrue(reference.supports(Precision.FLOAT64));
        }
    }

    @Test
    void aForcedBackendIsCreatedWhateverItsPrecisions() {
        try (QuantKernel simd = new Kernels().create(new KernelOptions("cpu-simd", 1, ""), Precision.FLOAT64)) {
            assertEquals("cpu-simd", simd.name());
            assertFalse(simd.supports(Precision.FLOAT64));
        }
    }

    @Test
    void anUnknownBackendIsRefusedWithTheAvailableOnes() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> new Kernels().create(new KernelOptions("cuda", 0, "")));
        assertTrue(e.getMessage().contains("cpu-simd"), e.getMessage());
    }
}
