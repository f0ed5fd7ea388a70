package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.format.gptq.GptqFormat;
import io.comq.format.gptq.GptqLayer;
import io.comq.format.npy.Npy;
import io.comq.format.npy.NpyArray;
import io.comq.format.safetensors.SafetensorsCheckpoint;
import io.comq.format.safetensors.SafetensorsWriter;
import io.comq.format.safetensors.Tensor;
import io.comq.report.Artifact;
import io.comq.report.ModelReport;
import io.comq.report.Reports;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code comq quantize --format safetensors}: weight-only from Gram matrices to a GPTQ checkpoint. */
class QuantizeSafetensorsTest {
    @TempDir
    Path dir;

    static final int IN = 64;
    static final int OUT = 32;

    @Test
    void writesAGptqCheckpointWithItsReport() throws Exception {
        Random rnd = new Random(5);
        Path src = Files.createDirectories(dir.resolve("src"));
        float[] w = new float[OUT * IN];
        for (int k = 0; k < w.length; k++) {
            w[k] = (float) (rnd.nextGaussian() * 0.05);
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("model.layers.0.mlp.up_proj.weight", Tensor.f32(new int[] {OUT, IN}, w));
        t.put("model.layers.0.input_layernorm.weight", Tensor.f32(new int[] {IN}, new float[IN]));
        SafetensorsWriter.write(src.resolve("model.safetensors"), t, Map.of());
        // H = X^T X of correlated inputs
        int n = 256;
        double[] x = new double[n * IN];
        for (int r = 0; r < n; r++) {
            double common = rnd.nextGaussian();
            for (int i = 0; i < IN; i++) {
                x[r * IN + i] = common + 0.5 * rnd.nextGaussian();
            }
        }
        double[] h = new double[IN * IN];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < IN; i++) {
                for (int j = 0; j < IN; j++) {
                    h[i * IN + j] += x[r * IN + i] * x[r * IN + j];
                }
            }
        }
        Path grams = Files.createDirectories(dir.resolve("grams"));
        Npy.write(grams.resolve("model.layers.0.mlp.up_proj.weight.npy"),
                new NpyArray(new int[] {IN, IN}, NpyArray.DType.FLOAT64, h));

        Path out = dir.resolve("q");
        CliRun r = CliRun.of("quantize", "--model", src.toString(), "--gram-dir", grams.toString(), "--format",
                "safetensors", "--group-size", "32", "--out", out.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().contains("comq: quantized model.layers.0.mlp.up_proj.weight (1/1)"), r::toString);

        ModelReport rep = Reports.read(out.resolve(Reports.JSON_FILE));
        assertEquals(1, rep.layers().size());
        assertEquals("model.layers.0.mlp.up_proj.weight", rep.layers().get(0).name());
        assertEquals(List.of(OUT, IN), rep.layers().get(0).shape());
        assertEquals(32, rep.layers().get(0).groupSize());
        assertTrue(rep.layers().get(0).relError() < rep.layers().get(0).rtnRelError(), rep.layers()::toString);
        assertNull(rep.drift());
        List<String> names = rep.artifacts().stream().map(Artifact::path).collect(Collectors.toList());
        assertTrue(names.contains("model.safetensors") && names.contains("quantize_config.json"), names::toString);
        for (Artifact a : rep.artifacts()) {
            assertEquals(Sha256.of(out.resolve(a.path())), a.sha256(), a.path());
        }

        // the packed weights read back close to the float ones
        GptqLayer q = GptqLayer.read(SafetensorsCheckpoint.open(out), "model.layers.0.mlp.up_proj", 4,
                GptqFormat.GPTQ);
        float[] dq = q.dequantize(); // (in, out)
        double err = 0;
        double norm = 0;
        for (int o = 0; o < OUT; o++) {
            for (int i = 0; i < IN; i++) {
                double d = dq[i * OUT + o] - w[o * IN + i];
                err += d * d;
                norm += (double) w[o * IN + i] * w[o * IN + i];
            }
        }
        assertTrue(err / norm < 0.05, "relative weight error " + err / norm);
        assertTrue(err > 0);
    }
}
