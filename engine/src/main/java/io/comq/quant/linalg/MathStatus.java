package io.comq.quant.linalg;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Which math a process uses and why, for {@code comq info}, every {@code report.json}, the bench and the service's
 * readiness.
 *
 * @param mode             what was asked ({@code auto}, {@code native} or {@code java}; {@code COMQ_MATH})
 * @param using            what runs: {@code openblas} or {@code java}; {@code none} when native was required and failed
 * @param openblas         the OpenBLAS version of the binding
 * @param openblasCore     the OpenBLAS kernel family chosen for this CPU ({@code OPENBLAS_CORETYPE} forces one)
 * @param cpu              the CPU model and its vector instruction sets
 * @param selfTest         {@code passed}, {@code failed} or {@code skipped} (mode {@code java})
 * @param selfTestFailures what disagreed, one line each
 * @param selfTestMillis   how long the self-test took
 * @param fallback         why the pure-Java math runs instead of OpenBLAS, or null when it does not
 * @param ready            false when no trusted math is available (native required but failed): refuse work
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MathStatus(String mode, String using, String openblas, String openblasCore, String cpu, String selfTest,
                         List<String> selfTestFailures, double selfTestMillis, String fallback, boolean ready) {
    public MathStatus {
        selfTestFailures = selfTestFailures == null ? List.of() : List.copyOf(selfTestFailures);
    }
}
