package io.comq.report;

import io.comq.kernel.Kernels;
import io.comq.platform.Cpu;
import io.comq.quant.linalg.Linalg;
import io.comq.quant.linalg.MathStatus;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where a result was computed: the machine, the Java runtime, the checked math and the kernels. {@code comq info}
 * prints it; every {@code report.json} and the bench record it, so a result can be traced to the CPU and the native
 * library that made it.
 *
 * @param cpu     the CPU model, processors and vector instruction sets
 * @param java    the Java runtime (vendor and version)
 * @param math    which math runs (OpenBLAS or plain Java), the OpenBLAS version and core, and the self-test's verdict
 * @param kernels every COMQ kernel backend, available or not, with its device or the reason
 */
public record Environment(String cpu, String java, MathStatus math, List<Kernels.KernelInfo> kernels) {
    public Environment {
        kernels = List.copyOf(kernels);
    }

    /**
     * This process's environment with the kernels found on the class path, probed once per process (creating a
     * kernel starts its threads or its device): every report asks, the answer does not change. The math's status is
     * read anew (the self-test runs if nothing has yet; a guard may have turned OpenBLAS off since).
     */
    public static Environment current() {
        return new Environment(Cpu.current().describe(), System.getProperty("java.vendor") + " " + Runtime.version(),
                Linalg.process().status(), ProcessKernels.LIST);
    }

    private static final class ProcessKernels {
        static final List<Kernels.KernelInfo> LIST = new Kernels().describe();
    }

    /** A few lines for a terminal. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append("cpu:      ").append(cpu).append('\n');
        b.append("java:     ").append(java).append('\n');
        b.append("openblas: ").append(math.openblas()).append(", core ").append(math.openblasCore()).append('\n');
        b.append("math:     ").append(math.using()).append(" (mode ").append(math.mode()).append(", self-test ")
                .append(math.selfTest());
        if (math.selfTestMillis() > 0) {
            b.append(String.format(Locale.ROOT, " in %.0f ms", math.selfTestMillis()));
        }
        b.append(")\n");
        for (String f : math.selfTestFailures()) {
            b.append("          failed: ").append(f).append('\n');
        }
        if (math.fallback() != null) {
            b.append("          ").append(math.ready() ? "fell back to plain Java: " : "refused: ")
                    .append(math.fallback()).append('\n');
        }
        b.append("kernels:  ").append(kernels.stream()
                .map(k -> k.name() + (k.available() ? " (" + k.detail() + ")" : " (unavailable: " + k.detail() + ")"))
                .collect(Collectors.joining("\n          "))).append('\n');
        return b.toString();
    }
}
