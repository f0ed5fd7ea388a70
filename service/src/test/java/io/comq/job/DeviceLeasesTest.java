package io.comq.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.comq.kernel.KernelOptions;
import io.comq.kernel.KernelProvider;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.kernel.cpu.ScalarKernel;
import io.comq.numeric.Precision;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class DeviceLeasesTest {

    /** The scalar reference kernel presenting itself as a device backend (as TornadoVM does on a GPU). */
    private static final KernelProvider DEVICE = new KernelProvider() {
        @Override
        public String name() {
            return "test-device";
        }

        @Override
        public int priority() {
            return 500;
        }

        @Override
        public Optional<QuantKernel> create(KernelOptions options) {
            ScalarKernel cpu = new ScalarKernel(1);
            return Optional.of((QuantKernel) Proxy.newProxyInstance(QuantKernel.class.getClassLoader(),
                    new Class<?>[] {QuantKernel.class}, (proxy, m, args) -> switch (m.getName()) {
                        case "name" -> "test-device";
                        case "device" -> "Test GPU 0 (OpenCL)";
                        default -> {
                            try {
                                yield m.invoke(cpu, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    }));
        }
    };

    @Test
    void cpuJobsHoldNothing() throws Exception {
        DeviceLeases leases = new DeviceLeases(new Kernels());
        try (DeviceLeases.Lease a = leases.acquire(KernelOptions.auto(), Precision.FLOAT32, () -> false);
             DeviceLeases.Lease b = leases.acquire(KernelOptions.auto(), Precision.FLOAT32, () -> false)) {
            assertNull(a.device());
            assertNull(b.device());
        }
    }

    @Test
    void aSecondJobWaitsForTheDeviceUntilTheFirstEnds() throws Exception {
        DeviceLeases leases = new DeviceLeases(new Kernels(List.of(DEVICE)));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            DeviceLeases.Lease first = leases.acquire(KernelOptions.auto(), Precision.FLOAT32, () -> false);
            assertEquals("test-device: Test GPU 0 (OpenCL)", first.device());
            Future<DeviceLeases.Lease> second = pool.submit(
                    () -> leases.acquire(KernelOptions.auto(), Precision.FLOAT32, () -> false));
            try {
                second.get(1500, TimeUnit.MILLISECONDS);
                throw new AssertionError("the second job got the device while the first held it");
            } catch (TimeoutException expected) {
                assertFalse(second.isDone());
            }
            first.close();
            DeviceLeases.Lease got = second.get(10, TimeUnit.SECONDS);
            assertNotNull(got.device());
            got.close();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aJobStoppedWhileWaitingGetsNoLease() throws Exception {
        DeviceLeases leases = new DeviceLeases(new Kernels(List.of(DEVICE)));
        try (DeviceLeases.Lease first = leases.acquire(KernelOptions.auto(), Precision.FLOAT32, () -> false)) {
            assertNull(leases.acquire(KernelOptions.auto(), Precision.FLOAT32, () -> true));
        }
        try (DeviceLeases.Lease again = leases.acquire(KernelOptions.auto(), Precision.FLOAT32, () -> false)) {
            assertNotNull(again.device(), "the device is free again once the holder closed its lease");
        }
    }
}
