package io.comq.format.gptq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.format.StagingDir;
import io.comq.format.safetensors.DType;
import io.comq.format.safetensors.LinearLayer;
import io.comq.format.safetensors.LinearLayers;
import io.comq.format.safetensors.SafetensorsCheckpoint;
import io.comq.format.safetensors.SafetensorsFile;
import io.comq.format.safetensors.SafetensorsWriter;
import io.comq.format.safetensors.Tensor;
import io.comq.format.safetensors.TensorInfo;
import io.comq.layer.LayerResult;
import io.comq.tensor.Float16;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes a quantized copy of a safetensors checkpoint in the GPTQ layout ({@link GptqLayer}): the same shard files and
 * tensor order, every quantized {@code prefix.weight} replaced by {@code prefix.qweight}, {@code prefix.qzeros},
 * {@code prefix.scales} and {@code prefix.g_idx}, every other tensor copied byte for byte (a layer's bias too, plus its
 * bias correction when the result has one). Beside the weights: {@code model.safetensors.index.json} when the source
 * was sharded, {@code quantize_config.json}, the source's {@code config.json} with a {@code quantization_config}
 * object, and the source folder's other small files (tokenizer and the like; other weight formats are left out).
 *
 * <p>The output folder appears all at once: everything is written into a temporary sibling which is renamed into place,
 * and a failure leaves nothing behind.
 */
public final class GptqCheckpointWriter {
    private GptqCheckpointWriter() {
    }

    /** Name of the GPTQ quantization config written beside the weights. */
    public static final String QUANTIZE_CONFIG = "quantize_config.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Set<String> SKIPPED_SUFFIXES = Set.of(".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5",
            ".msgpack", ".gguf", ".onnx", ".npz", ".npy");

    /**
     * What was written.
     *
     * @param dir   the output folder
     * @param files every file in it, relative to {@code dir}, sorted
     * @param sym   the {@code sym} flag written (true when every layer used a symmetric grid)
     */
    public record Written(Path dir, List<Path> files, boolean sym) {
    }

    /**
     * Writes {@code source} with the layers in {@code results} (keyed by their weight tensor name, e.g.
     * {@code model.layers.0.mlp.up_proj.weight}) quantized into {@code outDir}, which must not exist or be empty.
     *
     * @throws InvalidConfigException if the layers disagree on bits or group size, or one cannot be stored in the format
     * @throws InvalidInputException  if a result does not match its tensor, a bias correction has no bias to go to, or
     *                                {@code outDir} is not empty
     */
    public static Written write(SafetensorsCheckpoint source, Map<String, LayerResult> results, Path outDir,
                                GptqFormat format) {
        if (results.isEmpty()) {
            throw new InvalidInputException("no quantized layers to write");
        }
        int bits = -1;
        int groupSize = 0;
        boolean sym = true;
        for (Map.Entry<String, LayerResult> e : results.entrySet()) {
            LayerResult r = e.getValue();
            checkMatches(source, e.getKey(), r);
            int gs = r.grid().groupSize() == 0 ? -1 : r.grid().groupSize();
            if (bits == -1) {
                bits = r.grid().bits();
                groupSize = gs;
            } else if (bits != r.grid().bits() || groupSize != gs) {
                throw new InvalidConfigException("GPTQ checkpoints have one bits and group_size for all layers; layer "
                        + e.getKey() + " has bits " + r.grid().bits() + ", group size " + gs + " but others have bits "
                        + bits + ", group size " + groupSize);
            }
            sym &= r.grid().grid().symmetric();
        }
        Path target = outDir.toAbsolutePath().normalize();
        try (StagingDir stage = StagingDir.open(target, false)) {
            Path temp = stage.path();
            Map<String, String> weightMap = new LinkedHashMap<>();
            long totalSize = 0;
            for (SafetensorsFile shard : source.files()) {
                String fileName = shard.path().getFileName().toString();
                List<SafetensorsWriter.Entry> entries = shardEntries(source, shard, results, format);
                for (SafetensorsWriter.Entry en : entries) {
                    weightMap.put(en.name(), fileName);
                    totalSize += en.bytes().size();
                }
                Map<String, String> meta = new LinkedHashMap<>(shard.metadata());
                meta.putIfAbsent("format", "pt");
                SafetensorsWriter.write(temp.resolve(fileName), entries, meta);
            }
            if (source.sharded()) {
                ObjectNode index = JSON.createObjectNode();
                ObjectNode m = index.putObject("metadata");
                m.put("total_size", totalSize);
                ObjectNode wm = index.putObject("weight_map");
                new TreeMap<>(weightMap).forEach(wm::put);
                JSON.writeValue(temp.resolve(SafetensorsCheckpoint.INDEX_FILE).toFile(), index);
            }
            ObjectNode qc = quantizeConfig(bits, groupSize, sym, format, unquantized(source, results));
            JSON.writeValue(temp.resolve(QUANTIZE_CONFIG).toFile(), qc);
            copyOtherFiles(source.folder(), temp, qc);
            stage.commit(false);
            return new Written(target, list(target), sym);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the GPTQ checkpoint " + outDir + ": " + e.getMessage(), e);
        }
    }

    private static void checkMatches(SafetensorsCheckpoint source, String name, LayerResult r) {
        if (!name.endsWith(".weight")) {
            throw new InvalidInputException("quantized layer \"" + name + "\" must be named by its weight tensor (...weight)");
        }
        TensorInfo t = source.info(name);
        if (t.ndim() != 2 || t.dim(0) != r.out() || t.dim(1) != r.in()) {
            throw new InvalidInputException("layer " + name + " is stored as " + java.util.Arrays.toString(t.shape())
                    + " (out, in) but its result is (in " + r.in() + ", out " + r.out() + ")");
        }
        GptqLayer.checkShape(name, r.in(), r.out(), r.grid().bits());
        String bias = prefix(name) + ".bias";
        if (r.biasCorrection() != null && !source.contains(bias)) {
            throw new InvalidInputException("layer " + name + " has a bias correction but the checkpoint has no " + bias
                    + " to add it to (loaders would ignore a new bias); quantize without bias compensation");
        }
    }

    private static String prefix(String weight) {
        return weight.substring(0, weight.length() - ".weight".length());
    }

    private static List<SafetensorsWriter.Entry> shardEntries(SafetensorsCheckpoint source, SafetensorsFile shard,
                                                              Map<String, LayerResult> results, GptqFormat format) {
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        for (String name : shard.names()) {
            if (!source.contains(name) || source.fileOf(name) != shard) {
                continue; // not in the index: loaders never see it
            }
            LayerResult r = results.get(name);
            if (r != null) {
                GptqLayer g = GptqLayer.pack(name, r, format);
                g.tensors(prefix(name)).forEach((n, t) -> entries.add(SafetensorsWriter.Entry.of(n, t)));
                continue;
            }
            if (name.endsWith(".bias")) {
                LayerResult owner = results.get(name.substring(0, name.length() - ".bias".length()) + ".weight");
                if (owner != null && owner.biasCorrection() != null) {
                    entries.add(SafetensorsWriter.Entry.of(name, corrected(shard.read(name), owner.biasCorrection(), name)));
                    continue;
                }
            }
            entries.add(SafetensorsWriter.Entry.copy(shard, name));
        }
        return entries;
    }

    /** {@code bias + correction}, in the bias's own dtype. */
    private static Tensor corrected(Tensor bias, double[] correction, String name) {
        float[] b = bias.toFloats();
        if (b.length != correction.length) {
            throw new InvalidInputException("bias " + name + " has " + b.length + " entries, its correction "
                    + correction.length);
        }
        double[] sum = new double[b.length];
        for (int k = 0; k < b.length; k++) {
            sum[k] = b[k] + correction[k];
        }
        switch (bias.dtype()) {
            case F16: {
                short[] h = new short[sum.length];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Float16.fromDouble(sum[k]);
                }
                return new Tensor(DType.F16, bias.shape(), h);
            }
            case BF16: {
                short[] h = new short[sum.length];
                for (int k = 0; k < h.length; k++) {
                    h[k] = Float16.floatToBf16((float) sum[k]);
                }
                return new Tensor(DType.BF16, bias.shape(), h);
            }
            case F64:
                return new Tensor(DType.F64, bias.shape(), sum);
            default: {
                float[] f = new float[sum.length];
                for (int k = 0; k < f.length; k++) {
                    f[k] = (float) sum[k];
                }
                return new Tensor(DType.F32, bias.shape(), f);
            }
        }
    }

    /** Linear layers (by the default discovery) that were left in full precision. */
    private static List<String> unquantized(SafetensorsCheckpoint source, Map<String, LayerResult> results) {
        List<String> out = new ArrayList<>();
        for (LinearLayer l : LinearLayers.find(source)) {
            if (!results.containsKey(l.tensor())) {
                out.add(l.prefix());
            }
        }
        return out;
    }

    /**
     * {@code quantize_config.json}: the keys AutoGPTQ, GPTQModel and transformers read. Linear layers left unquantized
     * are listed under GPTQModel's {@code dynamic} as negative matches ({@code "-:^prefix$"}); other loaders do not
     * read {@code dynamic} and expect every linear layer of every block to be quantized.
     */
    static ObjectNode quantizeConfig(int bits, int groupSize, boolean sym, GptqFormat format, List<String> skipped) {
        ObjectNode q = JSON.createObjectNode();
        q.put("quant_method", "gptq");
        q.put("bits", bits);
        q.put("group_size", groupSize);
        q.put("desc_act", false);
        q.put("sym", sym);
        q.put("static_groups", false);
        q.put("true_sequential", true);
        q.put("lm_head", false);
        q.put("checkpoint_format", format.id());
        q.put("pack_dtype", "int32");
        if (!skipped.isEmpty()) {
            ObjectNode d = q.putObject("dynamic");
            for (String p : skipped) {
                d.putObject("-:^" + p.replace(".", "\\.") + "$");
            }
        }
        q.putObject("meta").put("quantizer", "comq-service");
        return q;
    }

    private static void copyOtherFiles(Path from, Path to, ObjectNode qc) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(from)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String n = f.getFileName().toString();
            String lower = n.toLowerCase(Locale.ROOT);
            if (n.startsWith(".") || n.equals(SafetensorsCheckpoint.INDEX_FILE) || n.equals(QUANTIZE_CONFIG)
                    || SKIPPED_SUFFIXES.stream().anyMatch(lower::endsWith) || lower.endsWith(".index.json")) {
                continue;
            }
            if (n.equals("config.json")) {
                JsonNode cfg = JSON.readTree(f.toFile());
                if (!(cfg instanceof ObjectNode obj)) {
                    throw new InvalidInputException(f + " is not a JSON object");
                }
                ObjectNode qcfg = obj.putObject("quantization_config");
                for (String k : List.of("quant_method", "bits", "group_size", "desc_act", "sym", "checkpoint_format")) {
                    qcfg.set(k, qc.get(k));
                }
                if (qc.has("dynamic")) {
                    qcfg.set("dynamic", qc.get("dynamic"));
                }
                JSON.writeValue(to.resolve(n).toFile(), obj);
            } else {
                Files.copy(f, to.resolve(n));
            }
        }
    }



    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(dir::relativize).sorted().toList();
        }
    }
}
