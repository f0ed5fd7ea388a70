package io.comq.health;

import io.comq.quant.linalg.Linalg;
import io.comq.quant.linalg.MathStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import io.micronaut.health.HealthStatus;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * {@code /health/readiness} includes the native math's self-test ({@code nativeMath}): UP while the math in use is
 * trusted (OpenBLAS that passed, or the pure-Java fallback), DOWN when {@code COMQ_MATH=native} and OpenBLAS failed, so
 * Kubernetes sends no traffic to a node that would compute wrong results. The details name the CPU, the OpenBLAS version
 * and core and the failed checks (shown where {@code endpoints.health.details-visible} allows).
 */
@Singleton
@Readiness
public final class NativeMathReadiness implements HealthIndicator {

    static final String NAME = "nativeMath";

    @Override
    public Publisher<HealthResult> getResult() {
        return Mono.fromCallable(() -> {
            MathStatus s = Linalg.process().status();
            return HealthResult.builder(NAME, s.ready() ? HealthStatus.UP : HealthStatus.DOWN).details(s).build();
        });
    }
}
