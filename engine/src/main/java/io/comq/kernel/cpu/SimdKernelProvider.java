package io.comq.kernel.cpu;

import io.comq.kernel.KernelOptions;
import io.comq.kernel.KernelProvider;
import io.comq.kernel.QuantKernel;
import java.lang.reflect.InvocationTargetException;
import java.util.Optional;

/**
 * Provides the SIMD CPU kernel ({@code cpu-simd}, priority 100) when the JVM runs with the {@code jdk.incubator.vector}
 * module. The kernel class is loaded reflectively, so that nothing touches the incubator classes when the module is
 * absent.
 */
public final class SimdKernelProvider implements KernelProvider {

    /** The backend name. */
    public static final String NAME = "cpu-simd";

    /** Steps per lazy block in the sweep, see {@code SimdKernel}. */
    public static final int DEFAULT_BLOCK = 64;

    private static final String MODULE = "jdk.incubator.vector";
    private static final String KERNEL_CLASS = "io.comq.kernel.cpu.SimdKernel";

    private final int block;
    private volatile String reason = "not probed yet";

    /** The provider of the kernel with the default block ({@value #DEFAULT_BLOCK} steps). */
    public SimdKernelProvider() {
        this(DEFAULT_BLOCK);
    }

    /** A provider of kernels sweeping in blocks of {@code block} steps (the bench's {@code --block}). */
    public SimdKernelProvider(int block) {
        if (block < 1) {
            throw new io.comq.error.InvalidConfigException("the sweep block must be at least 1 step, got " + block);
        }
        this.block = block;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Optional<QuantKernel> create(KernelOptions options) {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            reason = "the Java module " + MODULE + " is not loaded; run java with --add-modules " + MODULE;
            return Optional.empty();
        }
        try {
            Class<?> type = Class.forName(KERNEL_CLASS);
            QuantKernel kernel = (QuantKernel) type.getConstructor(int.class, int.class)
                    .newInstance(options.effectiveThreads(), block);
            reason = "available";
            return Optional.of(kernel);
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException
                 | InvocationTargetException | LinkageError e) {
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            reason = "the SIMD kernel failed to load: " + cause;
            return Optional.empty();
        }
    }

    @Override
    public String unavailableReason() {
        return reason;
    }
}
