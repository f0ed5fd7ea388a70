package io.comq.format.gptq;

import io.comq.tensor.Float16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.format.safetensors.DType;
import io.comq.tensor.Float16;
import io.comq.format.safetensors.LinearLayer;
import io.comq.format.safetensors.LinearLayers;
import io.comq.format.safetensors.SafetensorsCheckpoint;
import io.comq.format.safetensors.SafetensorsWriter;
import io.comq.format.safetensors.Tensor;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerResult;
import io.comq.numeric.TieRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GptqCheckpointWriterTest {
    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final GridSpec G4 = new GridSpec(4, Grid.SYM_MAXABS, 1.0, 32, TieRule.HALF_EVEN);

    private static short[] halves(Random rnd, int n, double sd) {
        short[] h = new short[n];
        for (int k = 0; k < n; k++) {
            h[k] = Float16.fromDouble(rnd.nextGaussian() * sd);
        }
        return h;
    }

    /** A one-block Llama-like model in two shards, with config.json and a tokenizer file. */
    private Path model() throws IOException {
        Random rnd = new Random(1);
        Path src = Files.createDirectories(dir.resolve("src"));
        Map<String, Tensor> s1 = new LinkedHashMap<>();
        s1.put("model.embed_tokens.weight", Tensor.f16(new int[] {16, 64}, halves(rnd, 16 * 64, 1)));
        s1.put("model.layers.0.self_attn.q_proj.weight", Tensor.f16(new int[] {32, 64}, halves(rnd, 32 * 64, 0.05)));
        s1.put("model.layers.0.self_attn.q_proj.bias", Tensor.f16(new int[] {32}, halves(rnd, 32, 0.1)));
        s1.put("model.layers.0.input_layernorm.weight", Tensor.f16(new int[] {64}, halves(rnd, 64, 1)));
        Map<String, Tensor> s2 = new LinkedHashMap<>();
        short[] bf = new short[64 * 32];
        for (int k = 0; k < bf.length; k++) {
            bf[k] = Float16.floatToBf16((float) (rnd.nextGaussian() * 0.05));
        }
        s2.put("model.layers.0.mlp.down_proj.weight", new Tensor(DType.BF16, new int[] {64, 32}, bf));
        s2.put("model.layers.0.mlp.up_proj.weight", Tensor.f16(new int[] {32, 64}, halves(rnd, 32 * 64, 0.05)));
        s2.put("model.norm.weight", Tensor.f16(new int[] {64}, halves(rnd, 64, 1)));
        s2.put("lm_head.weight", Tensor.f16(new int[] {16, 64}, halves(rnd, 16 * 64, 0.05)));
        SafetensorsWriter.write(src.resolve("model-00001-of-00002.safetensors"), s1, Map.of("format", "pt"));
        SafetensorsWriter.write(src.resolve("model-00002-of-00002.safetensors"), s2, Map.of("format", "pt"));
        StringBuilder wm = new StringBuilder();
        for (String n : s1.keySet()) {
            wm.append(wm.length() == 0 ? "" : ",").append('"').append(n).append("\":\"model-00001-of-00002.safetensors\"");
        }
        for (String n : s2.keySet()) {
            wm.append(",\"").append(n).append("\":\"model-00002-of-00002.safetensors\"");
        }
        Files.writeString(src.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"metadata\":{\"total_size\":1},\"weight_map\":{"
                + wm + "}}");
        Files.writeString(src.resolve("config.json"), "{\"model_type\":\"llama\",\"hidden_size\":64,\"torch_dtype\":\"float16\"}");
        Files.writeString(src.resolve("tokenizer.json"), "{\"version\":\"1.0\"}");
        Files.write(src.resolve("pytorch_model.bin"), new byte[] {1, 2, 3});
        return src;
    }

    /** Quantizes the given layers of the model with COMQ (bias compensation where the layer has a bias). */
    private static Map<String, LayerResult> quantize(SafetensorsCheckpoint ck, List<LinearLayer> layers, GridSpec grid) {
        Random rnd = new Random(2);
        Map<String, LayerResult> out = new LinkedHashMap<>();
        for (LinearLayer l : layers) {
            LayerProblem p = Layers.problem(rnd, l.weight(ck).toF64());
            out.put(l.tensor(), Layers.comq(p, grid, l.bias() != null));
        }
        return out;
    }

    @Test
    void writesALoadableGptqCheckpoint() throws IOException {
        Path src = model();
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(src);
        List<LinearLayer> layers = LinearLayers.find(ck);
        assertEquals(3, layers.size());
        Map<String, LayerResult> results = quantize(ck, layers, G4);
        Path outDir = dir.resolve("out");
        GptqCheckpointWriter.Written w = GptqCheckpointWriter.write(ck, results, outDir, GptqFormat.GPTQ);
        assertTrue(w.sym());
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json", "quantize_config.json", "tokenizer.json"),
                w.files().stream().map(Path::toString).toList(), "weights in other formats are not copied");

        SafetensorsCheckpoint q = SafetensorsCheckpoint.open(outDir);
        for (LinearLayer l : layers) {
            assertFalse(q.contains(l.tensor()), l.tensor() + " is replaced");
            GptqLayer g = GptqLayer.read(q, l.prefix(), 4, GptqFormat.GPTQ);
            LayerResult r = results.get(l.tensor());
            assertArrayEquals(r.codes(), g.codes());
            float[] d = g.dequantize();
            for (int i = 0; i < r.in(); i++) {
                for (int j = 0; j < r.out(); j++) {
                    double s = r.scales().data()[(i / 32) * r.out() + j];
                    assertEquals(r.wq().get(i, j), s * r.codes()[i * r.out() + j], 0.0);
                    assertEquals((float) (Float16.round(s) * r.codes()[i * r.out() + j]), d[i * r.out() + j], 0.0f);
                }
            }
            assertEquals(q.fileOf(l.prefix() + ".qweight").path().getFileName(), ck.fileOf(l.tensor()).path().getFileName(),
                    "a layer stays in its shard");
        }
        for (String n : List.of("model.embed_tokens.weight", "model.layers.0.input_layernorm.weight", "model.norm.weight",
                "lm_head.weight")) {
            assertEquals(ck.read(n), q.read(n), n + " copied unchanged");
        }
        // bias plus its correction, stored as float16 like the original bias
        LayerResult qr = results.get("model.layers.0.self_attn.q_proj.weight");
        float[] b0 = ck.read("model.layers.0.self_attn.q_proj.bias").toFloats();
        Tensor b1 = q.read("model.layers.0.self_attn.q_proj.bias");
        assertEquals(DType.F16, b1.dtype());
        for (int j = 0; j < 32; j++) {
            assertEquals(Float16.fromDouble(b0[j] + qr.biasCorrection()[j]), ((short[]) b1.data())[j]);
        }
        assertEquals("pt", q.files().get(0).metadata().get("format"));

        JsonNode index = JSON.readTree(outDir.resolve(SafetensorsCheckpoint.INDEX_FILE).toFile());
        long total = 0;
        for (var t : q.tensors()) {
            total += t.bytes();
        }
        assertEquals(total, index.get("metadata").get("total_size").asLong());
        assertEquals(q.names().size(), index.get("weight_map").size());

        JsonNode qc = JSON.readTree(outDir.resolve("quantize_config.json").toFile());
        assertEquals(4, qc.get("bits").asInt());
        assertEquals(32, qc.get("group_size").asInt());
        assertFalse(qc.get("desc_act").asBoolean());
        assertTrue(qc.get("sym").asBoolean());
        assertEquals("gptq", qc.get("checkpoint_format").asText());
        assertEquals("gptq", qc.get("quant_method").asText());
        assertFalse(qc.has("dynamic"), "every linear layer is quantized");
        JsonNode cfg = JSON.readTree(outDir.resolve("config.json").toFile());
        assertEquals("llama", cfg.get("model_type").asText(), "the rest of config.json is kept");
        JsonNode qcfg = cfg.get("quantization_config");
        assertEquals("gptq", qcfg.get("quant_method").asText());
        assertEquals(4, qcfg.get("bits").asInt());
        assertEquals(32, qcfg.get("group_size").asInt());
        assertTrue(qcfg.get("sym").asBoolean());
        assertFalse(qcfg.get("desc_act").asBoolean());
        assertEquals("{\"version\":\"1.0\"}", Files.readString(outDir.resolve("tokenizer.json")));
    }

    @Test
    void perChannelAsymmetricV2AndSkippedLayers() throws IOException {
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(model());
        List<LinearLayer> two = LinearLayers.find(ck).stream().filter(l -> !l.tensor().contains("down_proj")).toList();
        GridSpec asym = new GridSpec(3, Grid.ASYM_MINMAX, 1.0, 0, TieRule.HALF_EVEN);
        Map<String, LayerResult> results = quantize(ck, two, asym);
        Path outDir = dir.resolve("out2");
        GptqCheckpointWriter.Written w = GptqCheckpointWriter.write(ck, results, outDir, GptqFormat.GPTQ_V2);
        assertFalse(w.sym());
        JsonNode qc = JSON.readTree(outDir.resolve("quantize_config.json").toFile());
        assertEquals(-1, qc.get("group_size").asInt());
        assertEquals("gptq_v2", qc.get("checkpoint_format").asText());
        assertTrue(qc.get("dynamic").has("-:^model\\.layers\\.0\\.mlp\\.down_proj$"), qc.toString());
        SafetensorsCheckpoint q = SafetensorsCheckpoint.open(outDir);
        assertEquals(ck.read("model.layers.0.mlp.down_proj.weight"), q.read("model.layers.0.mlp.down_proj.weight"));
        for (LinearLayer l : two) {
            assertArrayEquals(results.get(l.tensor()).codes(), GptqLayer.read(q, l.prefix(), 3, GptqFormat.GPTQ_V2).codes());
        }
    }

    @Test
    void failuresLeaveNoOutput() throws IOException {
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(model());
        List<LinearLayer> layers = LinearLayers.find(ck);
        Map<String, LayerResult> mixed = new LinkedHashMap<>(quantize(ck, layers.subList(0, 1), G4));
        mixed.putAll(quantize(ck, layers.subList(1, 2), G4.withBits(3)));
        Path outDir = dir.resolve("out3");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> GptqCheckpointWriter.write(ck, mixed, outDir, GptqFormat.GPTQ));
        assertTrue(e.getMessage().contains("one bits and group_size"), e.getMessage());

        // bias compensation on a layer that has no bias
        LinearLayer up = layers.stream().filter(l -> l.tensor().contains("up_proj")).findFirst().orElseThrow();
        Random rnd = new Random(3);
        LayerResult withCorrection = Layers.comq(Layers.problem(rnd, up.weight(ck).toF64()), G4, true);
        InvalidInputException b = assertThrows(InvalidInputException.class,
                () -> GptqCheckpointWriter.write(ck, Map.of(up.tensor(), withCorrection), outDir, GptqFormat.GPTQ));
        assertTrue(b.getMessage().contains("no model.layers.0.mlp.up_proj.bias"), b.getMessage());

        // a zero point of 0 in v1 fails while packing the second shard, after the first one was written
        double[] positive = up.weight(ck).toF64().data().clone();
        for (int k = 0; k < positive.length; k++) {
            positive[k] = Math.abs(positive[k]);
        }
        GridSpec asym = new GridSpec(4, Grid.ASYM_MINMAX, 1.0, 0, TieRule.HALF_EVEN);
        LayerResult nonNegative = Layers.comq(Layers.problem(rnd, new io.comq.tensor.Matrix.F64(64, 32, positive)), asym,
                false);
        assertTrue(java.util.Arrays.stream(nonNegative.lo()).anyMatch(x -> x == 0), "some channel has zero point 0");
        Map<String, LayerResult> asymResults = new LinkedHashMap<>(quantize(ck, layers.subList(0, 1), asym));
        asymResults.put(up.tensor(), nonNegative);
        InvalidConfigException z = assertThrows(InvalidConfigException.class,
                () -> GptqCheckpointWriter.write(ck, asymResults, outDir, GptqFormat.GPTQ));
        assertTrue(z.getMessage().contains("zero point 0") && z.getMessage().contains("up_proj"), z.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("src"), s.map(p -> p.getFileName().toString()).toList(), "nothing left behind");
        }

        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("keep.txt"), "x");
        assertThrows(InvalidInputException.class,
                () -> GptqCheckpointWriter.write(ck, quantize(ck, layers, G4), outDir, GptqFormat.GPTQ));
        assertEquals("x", Files.readString(outDir.resolve("keep.txt")));
    }
}
