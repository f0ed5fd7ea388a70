package io.comq.testing;

import io.comq.kernel.cpu.ScalarKernel;
import io.comq.layer.LayerQuantizer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The scalar reference kernel and a {@link LayerQuantizer} on it, opened before a test class's tests and closed after
 * them: {@code @RegisterExtension static final KernelFixture FIXTURE = new KernelFixture(2);}.
 */
public final class KernelFixture implements BeforeAllCallback, AfterAllCallback {
    private final int threads;
    private ScalarKernel kernel;
    private LayerQuantizer quantizer;

    /** A fixture whose kernel runs on {@code threads} threads. */
    public KernelFixture(int threads) {
        this.threads = threads;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        kernel = new ScalarKernel(threads);
        quantizer = new LayerQuantizer(kernel);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        kernel.close();
    }

    public ScalarKernel kernel() {
        return kernel;
    }

    public LayerQuantizer quantizer() {
        return quantizer;
    }
}
