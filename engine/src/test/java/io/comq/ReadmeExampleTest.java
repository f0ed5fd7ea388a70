package io.comq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.calibration.GramAccumulator;
import io.comq.format.npy.Npy;
import io.comq.kernel.KernelOptions;
import io.comq.kernel.Kernels;
import io.comq.kernel.QuantKernel;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import io.comq.quant.ProgressListener;
import io.comq.layer.LayerQuantizer;
import io.comq.quant.method.ComqConfig;
import io.comq.tensor.Matrix;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The library example of docs/LIBRARY.md, as written there, on the included example layer. */
class ReadmeExampleTest {

    @Test
    void readmeExampleQuantizesTheIncludedLayerBetterThanRtn() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Matrix weights = Npy.read(root.resolve("examples/layer/W.npy")).toMatrix();       // W (in, out)
        Matrix inputs = Npy.read(root.resolve("examples/layer/X.npy")).toMatrix();        // X (N, in)
        try (QuantKernel kernel = new Kernels().create(KernelOptions.auto())) {     // cpu-simd where it can
            GramAccumulator gram = new GramAccumulator(weights.rows(), kernel);
            gram.add(inputs);                                                        // H += X^T X, batch by batch
            ComqConfig comq = ComqConfig.of(GridSpec.defaults())                     // 4-bit per channel, greedy, K = 3
                    .withPrecision(Precision.FLOAT32);
            LayerResult r = new LayerQuantizer(kernel)
                    .quantize(gram.problem(weights), LayerConfig.of(comq), ProgressListener.NONE);
            assertEquals("cpu-simd", r.stats().backend());
            assertEquals(3, r.relErrorPerSweep().length);
            assertTrue(r.relError() < r.rtnRelError() / 5, "COMQ " + r.relError() + " vs RTN " + r.rtnRelError());
        }
    }
}
