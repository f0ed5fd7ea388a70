package io.comq.bench;

import io.comq.error.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link LayerBench} runs.
 *
 * @param layers     layer shapes
 * @param methods    any of {@link #METHODS}
 * @param backend    kernel backend ({@code auto}, {@code cpu-simd}, {@code cpu-scalar}, ...)
 * @param threads    kernel threads, 0 for all processors
 * @param sweeps     COMQ sweeps {@code K}
 * @param block      sweep block size of the SIMD kernel, 0 for its default
 * @param sgemmSize  side of the square ND4J sgemm measured as the reference throughput
 * @param seed       seed of the synthetic layers
 * @param repeats    runs of each method on each layer, at least; short runs repeat until they took a second (at most
 *                   20 runs). The fastest is reported (as for the sgemm reference), the peak heap is the largest of
 *                   all runs
 * @param device     accelerator device for the {@code tornadovm} backend ({@link io.comq.kernel.KernelOptions#device()}),
 *                   empty for the default
 */
public record BenchOptions(List<Shape> layers, List<String> methods, String backend, int threads, int sweeps,
                           int block, int sgemmSize, long seed, int repeats, String device) {

    /** The methods the benchmark knows. */
    public static final List<String> METHODS = BenchMethod.ids();

    public BenchOptions {
        device = device == null ? "" : device;
        layers = List.copyOf(layers);
        methods = List.copyOf(methods);
        if (layers.isEmpty() || methods.isEmpty()) {
            throw new InvalidConfigException("the benchmark needs at least one layer and one method");
        }
        methods.forEach(BenchMethod::parse);
        if (sweeps < 1 || threads < 0 || block < 0 || sgemmSize < 1 || repeats < 1) {
            throw new InvalidConfigException(
                    "sweeps, repeats and the sgemm size must be positive, threads and block >= 0");
        }
    }

    /** Options on the default device. */
    public BenchOptions(List<Shape> layers, List<String> methods, String backend, int threads, int sweeps, int block,
                        int sgemmSize, long seed, int repeats) {
        this(layers, methods, backend, threads, sweeps, block, sgemmSize, seed, repeats, "");
    }

    /** The default run: the three transformer shapes, all methods, K = 3. */
    public static BenchOptions defaults() {
        return new BenchOptions(Shape.parseList("768x3072,3072x768,4096x4096"), METHODS, "auto", 0, 3, 0, 4096, 1, 3);
    }

    /**
     * A layer shape, {@code in x out}.
     *
     * @param in  input size
     * @param out output channels
     */
    public record Shape(int in, int out) {
        public Shape {
            if (in < 1 || out < 1) {
                throw new InvalidConfigException("layer sizes must be positive, got " + in + "x" + out);
            }
        }

        /** Parses {@code INxOUT}, e.g. {@code 768x3072}. */
        public static Shape parse(String s) {
            String[] p = s.trim().toLowerCase(Locale.ROOT).split("x");
            try {
                if (p.length == 2) {
                    return new Shape(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
            throw new InvalidConfigException("bad layer shape '" + s + "': write IN x OUT, e.g. 768x3072");
        }

        /** Parses a comma-separated list of shapes. */
        public static List<Shape> parseList(String s) {
            List<Shape> list = new ArrayList<>();
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    list.add(parse(part));
                }
            }
            return list;
        }

        @Override
        public String toString() {
            return in + "x" + out;
        }
    }
}
