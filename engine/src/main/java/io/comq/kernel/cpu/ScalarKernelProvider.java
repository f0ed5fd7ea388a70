package io.comq.kernel.cpu;

import io.comq.kernel.KernelOptions;
import io.comq.kernel.KernelProvider;
import io.comq.kernel.QuantKernel;
import java.util.Optional;

/** Provides the scalar reference kernel ({@code cpu-scalar}, priority 0): always available, the end of the chain. */
public final class ScalarKernelProvider implements KernelProvider {

    @Override
    public String name() {
        return ScalarKernel.NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Optional<QuantKernel> create(KernelOptions options) {
        return Optional.of(new ScalarKernel(options.effectiveThreads()));
    }
}
