package io.comq.kernel;

import io.comq.error.InvalidConfigException;
import io.comq.numeric.Precision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Chooses a kernel once, by the fallback chain: registered providers (such as TornadoVM) by priority, then the SIMD CPU
 * kernel, then the scalar reference. A forced backend that is unavailable is an error naming the reason.
 */
public final class Kernels {

    private final List<KernelProvider> providers;

    /** The built-in CPU providers plus every provider on the class path. */
    public Kernels() {
        this(discover());
    }

    public Kernels(List<KernelProvider> providers) {
        List<KernelProvider> sorted = new ArrayList<>(providers);
        sorted.sort(Comparator.comparingInt(KernelProvider::priority).reversed());
        this.providers = List.copyOf(sorted);
    }

    private static List<KernelProvider> discover() {
        List<KernelProvider> found = new ArrayList<>();
        ServiceLoader.load(KernelProvider.class).forEach(found::add);
        return found;
    }

    /**
     * Every backend known here, best first, with whether it can run on this machine: a kernel is created and closed
     * again to learn its device (threads, vector width), or the provider's reason is given.
     */
    public List<KernelInfo> describe() {
        List<KernelInfo> infos = new ArrayList<>();
        for (KernelProvider p : providers) {
            Optional<QuantKernel> k;
            try {
                k = p.create(KernelOptions.auto());
            } catch (RuntimeException | LinkageError e) {
                infos.add(new KernelInfo(p.name(), false, e.toString()));
                continue;
            }
            if (k.isPresent()) {
                try (QuantKernel kernel = k.get()) {
                    infos.add(new KernelInfo(p.name(), true, kernel.device()));
                }
            } else {
                infos.add(new KernelInfo(p.name(), false, p.unavailableReason()));
            }
        }
        return infos;
    }

    /**
     * One backend as {@link #describe()} found it.
     *
     * @param name      the backend's name ({@code cpu-simd}, {@code cpu-scalar}, {@code tornadovm})
     * @param available true if it can run here
     * @param detail    its device in words when available, else why not
     */
    public record KernelInfo(String name, boolean available, String detail) {
    }

    /** Names of the backends known to this selector, best first. */
    public List<String> names() {
        return providers.stream().map(KernelProvider::name).toList();
    }

    /**
     * Creates the kernel the options ask for; with {@code auto}, the best one available.
     *
     * @throws InvalidConfigException if a forced backend is unknown or unavailable here
     */
    public QuantKernel create(KernelOptions options) {
        return create(options, null);
    }

    /**
     * Creates the kernel the options ask for; with {@code auto}, the best available one that sweeps in
     * {@code precision} (any precision when null). A forced backend is created whatever its precisions.
     *
     * @throws InvalidConfigException if a forced backend is unknown or unavailable here
     */
    public QuantKernel create(KernelOptions options, Precision precision) {
        if (!"auto".equals(options.backend())) {
            KernelProvider p = providers.stream().filter(k -> k.name().equals(options.backend())).findFirst()
                    .orElseThrow(() -> new InvalidConfigException(
                            "unknown backend '" + options.backend() + "': available are " + names()));
            return p.create(options).orElseThrow(() -> new InvalidConfigException(
                    "backend '" + p.name() + "' is not available here: " + p.unavailableReason()));
        }
        for (KernelProvider p : providers) {
            Optional<QuantKernel> k = p.create(options);
            if (k.isPresent()) {
                if (precision == null || k.get().supports(precision)) {
                    return k.get();
                }
                k.get().close();
            }
        }
        throw new IllegalStateException("no kernel backend available, not even the scalar reference");
    }
}
