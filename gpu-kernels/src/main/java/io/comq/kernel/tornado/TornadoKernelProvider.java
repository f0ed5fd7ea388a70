package io.comq.kernel.tornado;

import io.comq.kernel.KernelOptions;
import io.comq.kernel.KernelProvider;
import io.comq.kernel.QuantKernel;
import java.lang.reflect.InvocationTargetException;
import java.util.Optional;

/**
 * Provides the TornadoVM kernel ({@code tornadovm}, priority 200, ahead of {@code cpu-simd}) when the JVM was started
 * with TornadoVM's argfile ({@code java @$TORNADOVM_HOME/tornado-argfile ...}) and TornadoVM finds a device; otherwise
 * it reports why not, and {@code auto} falls back to the CPU. {@link KernelOptions#device()} picks the device (see
 * {@link TornadoKernel#open}). Nothing here touches a TornadoVM class before the runtime module is known to be loaded.
 */
public final class TornadoKernelProvider implements KernelProvider {

    /** The module the argfile adds; its absence means TornadoVM is not loaded. */
    private static final String RUNTIME_MODULE = "tornado.runtime";
    private static final String KERNEL_CLASS = "io.comq.kernel.tornado.TornadoKernel";

    private volatile String reason = "not probed yet";

    @Override
    public String name() {
        return "tornadovm";
    }

    @Override
    public int priority() {
        return 200;
    }

    @Override
    public Optional<QuantKernel> create(KernelOptions options) {
        if (ModuleLayer.boot().findModule(RUNTIME_MODULE).isEmpty()) {
            reason = "TornadoVM is not loaded: start java with @$TORNADOVM_HOME/tornado-argfile (TornadoVM SDK, JDK 25)";
            return Optional.empty();
        }
        try {
            QuantKernel k = (QuantKernel) Class.forName(KERNEL_CLASS).getMethod("open", String.class)
                    .invoke(null, options.device());
            reason = "available";
            return Optional.of(k);
        } catch (InvocationTargetException e) {
            reason = "TornadoVM could not open a device: " + e.getCause();
            return Optional.empty();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            reason = "TornadoVM failed to load: " + e;
            return Optional.empty();
        }
    }

    @Override
    public String unavailableReason() {
        return reason;
    }
}
