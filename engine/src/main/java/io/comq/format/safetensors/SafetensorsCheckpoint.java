package io.comq.format.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.comq.error.InvalidInputException;
import io.comq.error.InvalidTensorFileException;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A safetensors checkpoint: one file, or the shards named by a {@code model.safetensors.index.json}
 * ({@code {"metadata": {...}, "weight_map": {tensor: shard file}}}), seen as one set of named tensors.
 *
 * <p>{@link #open} accepts a {@code .safetensors} file, an index file, or a folder holding
 * {@value #INDEX_FILE} or {@value #SINGLE_FILE} (or exactly one {@code .safetensors} file). Every shard is opened and
 * validated up front (headers only); an index whose shard is missing, whose path leaves the checkpoint folder, or that
 * names a tensor its shard does not hold is refused with an {@link InvalidTensorFileException}.
 */
public final class SafetensorsCheckpoint {
    /** File name of a sharded checkpoint's index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** File name of a single-file checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path folder;
    private final Path index;
    private final Map<String, SafetensorsFile> byTensor;
    private final List<SafetensorsFile> shards;
    private final Map<String, String> metadata;

    private SafetensorsCheckpoint(Path folder, Path index, Map<String, SafetensorsFile> byTensor,
                                  List<SafetensorsFile> shards, Map<String, String> metadata) {
        this.folder = folder;
        this.index = index;
        this.byTensor = byTensor;
        this.shards = shards;
        this.metadata = metadata;
    }

    /**
     * Opens a checkpoint from a file, an index or a folder (see the class comment).
     *
     * @throws InvalidTensorFileException if it is missing or invalid
     */
    public static SafetensorsCheckpoint open(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(INDEX_FILE))) {
                return openIndex(path.resolve(INDEX_FILE));
            }
            if (Files.isRegularFile(path.resolve(SINGLE_FILE))) {
                return openSingle(path.resolve(SINGLE_FILE));
            }
            List<Path> found;
            try (Stream<Path> s = Files.list(path)) {
                found = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            } catch (IOException e) {
                throw new InvalidTensorFileException(path, "cannot list the folder: " + e, e);
            }
            if (found.size() == 1) {
                return openSingle(found.get(0));
            }
            throw new InvalidTensorFileException(path, found.isEmpty()
                    ? "no " + INDEX_FILE + ", " + SINGLE_FILE + " or other .safetensors file in this folder"
                    : found.size() + " .safetensors files but no " + INDEX_FILE + " saying which tensor is where");
        }
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".json")) {
            return openIndex(path);
        }
        return openSingle(path);
    }

    private static SafetensorsCheckpoint openSingle(Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (String n : f.names()) {
            by.put(n, f);
        }
        Path folder = file.toAbsolutePath().getParent();
        return new SafetensorsCheckpoint(folder, null, Collections.unmodifiableMap(by), List.of(f), f.metadata());
    }

    private static SafetensorsCheckpoint openIndex(Path indexFile) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(indexFile));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidTensorFileException(indexFile, "no such file", e);
        } catch (JsonProcessingException e) {
            throw new InvalidTensorFileException(indexFile, "bad JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidTensorFileException(indexFile, "cannot be read: " + e, e);
        }
        if (root == null || !root.isObject() || !root.path("weight_map").isObject()) {
            throw new InvalidTensorFileException(indexFile, "not a safetensors index: expected an object with a "
                    + "\"weight_map\" object");
        }
        Path folder = indexFile.toAbsolutePath().normalize().getParent();
        Path realFolder;
        try {
            realFolder = folder.toRealPath();
        } catch (IOException e) {
            throw new InvalidTensorFileException(indexFile, "cannot resolve its folder: " + e, e);
        }
        Map<String, String> meta = new LinkedHashMap<>();
        JsonNode m = root.get("metadata");
        if (m != null && m.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                meta.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
            }
        }
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("weight_map").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new InvalidTensorFileException(indexFile, "weight_map entry \"" + e.getKey()
                        + "\" is not a file name");
            }
            String shard = e.getValue().textValue();
            SafetensorsFile f = opened.get(shard);
            if (f == null) {
                f = SafetensorsFile.open(shardPath(indexFile, folder, realFolder, shard));
                opened.put(shard, f);
            }
            if (!f.contains(e.getKey())) {
                throw new InvalidTensorFileException(indexFile, "weight_map puts tensor \"" + e.getKey() + "\" in "
                        + shard + ", which has no such tensor");
            }
            by.put(e.getKey(), f);
        }
        return new SafetensorsCheckpoint(folder, indexFile, Collections.unmodifiableMap(by),
                List.copyOf(opened.values()), Collections.unmodifiableMap(meta));
    }

    private static Path shardPath(Path indexFile, Path folder, Path realFolder, String shard) {
        Path rel;
        try {
            rel = folder.getFileSystem().getPath(shard);
        } catch (RuntimeException e) {
            throw new InvalidTensorFileException(indexFile, "weight_map names an invalid path \"" + shard + "\"");
        }
        Path p = folder.resolve(rel).normalize();
        if (rel.isAbsolute() || !p.startsWith(folder)) {
            throw new InvalidTensorFileException(indexFile, "weight_map path \"" + shard
                    + "\" escapes the checkpoint folder " + folder);
        }
        if (!Files.exists(p)) {
            throw new InvalidTensorFileException(indexFile, "shard \"" + shard + "\" named in the index is missing from "
                    + folder);
        }
        try {
            if (!p.toRealPath().startsWith(realFolder)) {
                throw new InvalidTensorFileException(indexFile, "weight_map path \"" + shard
                        + "\" escapes the checkpoint folder " + folder + " (through a link)");
            }
        } catch (IOException e) {
            throw new InvalidTensorFileException(indexFile, "cannot resolve shard \"" + shard + "\": " + e, e);
        }
        return p;
    }

    /** The folder the checkpoint lives in. */
    public Path folder() {
        return folder;
    }

    /** True when read through an index. */
    public boolean sharded() {
        return index != null;
    }

    /** The index file, or {@code null} for a single file. */
    public Path index() {
        return index;
    }

    /** The files, in the order the index first names them. */
    public List<SafetensorsFile> files() {
        return shards;
    }

    /** The index's {@code metadata}, or the single file's {@code __metadata__}. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names, in index (or header) order. */
    public List<String> names() {
        return List.copyOf(byTensor.keySet());
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** The file holding tensor {@code name}. */
    public SafetensorsFile fileOf(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) {
            throw new InvalidInputException("checkpoint " + (index != null ? index : shards.get(0).path())
                    + " has no tensor \"" + name + "\"");
        }
        return f;
    }

    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    public Tensor read(String name) {
        return fileOf(name).read(name);
    }

    public Matrix readMatrix(String name) {
        return fileOf(name).readMatrix(name);
    }

    /** Every header entry of every file, in {@link #names()} order. */
    public List<TensorInfo> tensors() {
        List<TensorInfo> out = new ArrayList<>();
        byTensor.forEach((n, f) -> out.add(f.info(n)));
        return out;
    }
}
