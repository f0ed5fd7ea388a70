package io.comq.cli;

import io.comq.kernel.KernelOptions;
import picocli.CommandLine.Option;

/**
 * Where a command computes, shared by {@code comq layer} and {@code comq quantize} (a picocli mixin): the kernel backend
 * and threads (and accelerator device). Output behaviour is {@link OutputOptions}.
 */
final class RunOptions {

    @Option(names = "--backend", defaultValue = "auto",
            description = "Kernel: auto, cpu-simd, cpu-scalar, tornadovm (with a TornadoVM SDK) (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--device", defaultValue = "", paramLabel = "DEVICE",
            description = "Accelerator device for tornadovm: B:D (backend and device index), opencl, ptx or part of the "
                    + "device name; default TornadoVM's default device.")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "Worker threads, 0 = all processors (default: ${DEFAULT-VALUE}).")
    int threads;

    /** The kernel the options ask for. */
    KernelOptions kernel() {
        return new KernelOptions(backend, threads, device);
    }
}
