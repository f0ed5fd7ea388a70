package io.comq.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The CPU as the operating system describes it.
 *
 * @param model      the model name ({@code /proc/cpuinfo}), or the architecture where that is not readable
 * @param processors processors available to this JVM
 * @param features   the vector instruction sets that decide which native kernels can run ({@code avx2},
 *                   {@code avx512f}, {@code avx512_bf16}, {@code amx_tile}, ...), as the kernel names them
 */
public record Cpu(String model, int processors, List<String> features) {

    /** The instruction sets worth reporting, in the order of the kernel families that use them. */
    private static final List<String> NOTABLE = List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw",
            "avx512dq", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8",
            "asimd", "sve");

    public Cpu {
        features = List.copyOf(features);
    }

    /** This machine's CPU, read once per process. */
    public static Cpu current() {
        return Once.CPU;
    }

    private static final class Once {
        static final Cpu CPU = read();
    }

    private static Cpu read() {
        String model = System.getProperty("os.arch");
        Set<String> flags = Set.of();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals(System.getProperty("os.arch"))) {
                    model = value;
                } else if ((key.equals("flags") || key.equals("Features")) && flags.isEmpty()) {
                    flags = Set.of(value.split("\\s+"));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: the architecture alone
        }
        List<String> features = new ArrayList<>();
        for (String f : NOTABLE) {
            if (flags.contains(f)) {
                features.add(f);
            }
        }
        return new Cpu(model, Runtime.getRuntime().availableProcessors(), features);
    }

    /** True if the CPU has every one of {@code flags}. */
    public boolean has(String... flags) {
        return features.containsAll(List.of(flags));
    }

    /** One line: model, processors, features. */
    public String describe() {
        return model + " (" + processors + " processors; " + features.stream().collect(Collectors.joining(" ")) + ")";
    }
}
