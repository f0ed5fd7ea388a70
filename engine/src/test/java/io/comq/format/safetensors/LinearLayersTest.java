package io.comq.format.safetensors;

import io.comq.tensor.Float16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.format.npy.Npy;
import io.comq.format.npy.NpyArray;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearLayersTest {
    @TempDir
    Path dir;

    /** A two-layer Llama-like checkpoint: embeddings, norms, q_proj with bias (F16), mlp.up_proj, lm_head. */
    private SafetensorsCheckpoint llama() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", Tensor.f32(new int[] {10, 4}, new float[40]));
        m.put("model.layers.0.input_layernorm.weight", Tensor.f32(new int[] {4}, new float[4]));
        short[] q = new short[12];
        for (int k = 0; k < q.length; k++) {
            q[k] = Float16.fromDouble(k); // stored (out=3, in=4): q[o][i] = 4o + i
        }
        m.put("model.layers.0.self_attn.q_proj.weight", Tensor.f16(new int[] {3, 4}, q));
        m.put("model.layers.0.self_attn.q_proj.bias", Tensor.f32(new int[] {3}, new float[3]));
        m.put("model.layers.0.mlp.up_proj.weight", Tensor.f32(new int[] {8, 4}, new float[32]));
        m.put("model.layers.0.mlp.gate_idx.weight", Tensor.i32(new int[] {2, 2}, new int[4]));
        m.put("model.layers.0.post_attention_layernorm.weight", Tensor.f32(new int[] {4}, new float[4]));
        m.put("model.norm.weight", Tensor.f32(new int[] {4}, new float[4]));
        m.put("lm_head.weight", Tensor.f32(new int[] {10, 4}, new float[40]));
        Path p = dir.resolve("model.safetensors");
        SafetensorsWriter.write(p, m, Map.of("format", "pt"));
        return SafetensorsCheckpoint.open(dir);
    }

    @Test
    void findsLinearWeightsOnly() {
        List<LinearLayer> layers = LinearLayers.find(llama());
        assertEquals(List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.mlp.up_proj.weight"),
                layers.stream().map(LinearLayer::tensor).toList());
        LinearLayer q = layers.get(0);
        assertEquals("model.layers.0.self_attn.q_proj", q.prefix());
        assertEquals(4, q.in());
        assertEquals(3, q.out());
        assertEquals(DType.F16, q.dtype());
        assertEquals("model.layers.0.self_attn.q_proj.bias", q.bias());
        assertNull(layers.get(1).bias());
    }

    @Test
    void excludePatternIsConfigurable() {
        SafetensorsCheckpoint ck = llama();
        assertEquals(List.of("model.layers.0.self_attn.q_proj.weight"),
                LinearLayers.find(ck, LinearLayers.DEFAULT_EXCLUDE.replace("lm_head", "lm_head|mlp"))
                        .stream().map(LinearLayer::tensor).toList());
        assertEquals(4, LinearLayers.find(ck, "").size(), "nothing excluded: embeddings and lm_head count too");
        assertThrows(InvalidConfigException.class, () -> LinearLayers.find(ck, "(unclosed"));
    }

    @Test
    void weightIsTheTransposeOfThePytorchLayout() {
        SafetensorsCheckpoint ck = llama();
        Matrix.F32 w = LinearLayers.find(ck).get(0).weight(ck);
        assertEquals(4, w.rows());
        assertEquals(3, w.cols());
        for (int i = 0; i < 4; i++) {
            for (int o = 0; o < 3; o++) {
                assertEquals(4 * o + i, w.get(i, o), 0.0, "W[" + i + "," + o + "]");
            }
        }
    }

    @Test
    void gramDirFindsNpyAndSafetensorsEntries() throws IOException {
        SafetensorsCheckpoint ck = llama();
        List<LinearLayer> layers = LinearLayers.find(ck);
        Path grams = Files.createDirectories(dir.resolve("grams"));
        double[] h = new double[16];
        for (int k = 0; k < 4; k++) {
            h[k * 5] = k + 1;
        }
        Npy.write(grams.resolve("model.layers.0.self_attn.q_proj.weight.npy"), NpyArray.ofDoubles(new int[] {4, 4}, h));
        SafetensorsWriter.write(grams.resolve("h.safetensors"),
                Map.of("model.layers.0.mlp.up_proj.weight", Tensor.f32(new int[] {4, 4}, new float[16])), Map.of());
        GramDir g = GramDir.open(grams);
        assertEquals(new Matrix.F64(4, 4, h), g.gram(layers.get(0)));
        assertEquals(Matrix.F32.zeros(4, 4), g.gram(layers.get(1)));
        assertTrue(g.has("model.layers.0.mlp.up_proj.weight"));
    }

    @Test
    void gramDirProblemsNameTheLayer() throws IOException {
        Path grams = Files.createDirectories(dir.resolve("grams"));
        Npy.write(grams.resolve("l.weight.npy"), NpyArray.ofDoubles(new int[] {3, 3}, new double[9]));
        GramDir g = GramDir.open(grams);
        ShapeMismatchException s = assertThrows(ShapeMismatchException.class, () -> g.gram("l.weight", 4));
        assertTrue(s.getMessage().contains("l.weight") && s.getMessage().contains("(4, 4)"), s.getMessage());
        InvalidInputException m = assertThrows(InvalidInputException.class, () -> g.gram("other.weight", 4));
        assertTrue(m.getMessage().contains("other.weight.npy"), m.getMessage());
        SafetensorsWriter.write(grams.resolve("a.safetensors"), Map.of("x", Tensor.f32(new int[] {1, 1}, new float[1])),
                Map.of());
        SafetensorsWriter.write(grams.resolve("b.safetensors"), Map.of("x", Tensor.f32(new int[] {1, 1}, new float[1])),
                Map.of());
        InvalidInputException twice = assertThrows(InvalidInputException.class, () -> GramDir.open(grams));
        assertTrue(twice.getMessage().contains("a.safetensors") && twice.getMessage().contains("b.safetensors"),
                twice.getMessage());
        assertThrows(InvalidInputException.class, () -> GramDir.open(grams.resolve("l.weight.npy")));
    }
}
