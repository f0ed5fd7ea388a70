package io.comq.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.comq.error.InvalidInputException;
import io.comq.format.AtomicFile;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import io.comq.report.Artifact;
import io.comq.report.LayerEntry;
import io.comq.tensor.Matrix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A folder of finished layers: the results of a sharded run (every shard writes its layers into the same shared
 * folder, {@link Assembler} reads them all) and the resume checkpoint of a single run (layers already in the folder are
 * not calibrated or quantized again).
 *
 * <p>Layout: {@code store.json} (the {@link Header}: which model, calibration set and settings the results belong to,
 * and the planned layers), per layer {@code layers/NNNN.npz} (codes, scales, lo, hi, dequantized weight and bias
 * correction of every group) and {@code layers/NNNN.json} (the {@link Stored} record: result metadata, report entry, and
 * the npz's SHA-256), {@code NNNN} being the layer's position in the plan, and {@code shards/shard-I-of-N.json} when
 * shard {@code I} has finished. Every file is written atomically, the layer's JSON last, so a layer is either complete
 * (and checked against its SHA-256 on reading) or absent.
 */
public final class LayerResultStore {
    /** The header's file name. */
    public static final String HEADER_FILE = "store.json";
    /** The store format this class writes. */
    public static final String FORMAT = "comq-layer-results/1";

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * What a store's results belong to. Two runs may share a store only if their headers {@link #sameRun agree}.
     *
     * @param format             {@link #FORMAT}
     * @param model              the model as the first writer named it (informational)
     * @param modelSha256        SHA-256 of the model file
     * @param calibrationSha256  SHA-256 of the calibration set
     * @param config             SHA-256 of the settings that change a layer's result (method, grid, bits, selection,
     *                           batch size, validation split)
     * @param shards             the number of shards, 0 for a checkpoint of an unsharded run
     * @param layers             the ids of every layer of the run, in model order
     * @param settings           the run's settings as the report shows them
     * @param validationFraction the held-out share of the calibration set
     * @param seed               the seed of the fit/validation split
     * @param batchSize          samples per ONNX Runtime run
     */
    public record Header(String format, String model, String modelSha256, String calibrationSha256, String config,
                         int shards, List<String> layers, Map<String, String> settings, double validationFraction,
                         long seed, int batchSize) {
        public Header {
            layers = List.copyOf(layers);
            settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        }

        /** The first difference that keeps two runs from sharing a store, or null if they may. */
        public String difference(Header other) {
            if (!Objects.equals(format, other.format)) {
                return "store format " + format + " vs " + other.format;
            }
            if (!Objects.equals(modelSha256, other.modelSha256)) {
                return "a different model (" + model + " vs " + other.model + ")";
            }
            if (!Objects.equals(calibrationSha256, other.calibrationSha256)) {
                return "a different calibration set";
            }
            if (!Objects.equals(config, other.config)) {
                return "different quantization settings (method, bits, grid, layer selection, batch size or "
                        + "validation split)";
            }
            if (shards != other.shards) {
                return shards + " shards vs " + other.shards;
            }
            if (!layers.equals(other.layers)) {
                return "a different layer list";
            }
            return null;
        }
    }

    /**
     * One group's result without its arrays (those are in the npz).
     *
     * @param in               rows of W
     * @param out              columns of W
     * @param grid             the grid of the codes
     * @param rtnRelError      RTN's relative error on the same grid
     * @param relErrorPerSweep relative error after each COMQ sweep
     * @param relError         final relative error
     * @param stats            how it was computed
     * @param bias             whether a bias correction is stored
     */
    public record GroupMeta(int in, int out, GridSpec grid, double rtnRelError, double[] relErrorPerSweep,
                            double relError, LayerResult.RunStats stats, boolean bias) {
    }

    /**
     * A finished layer's record ({@code layers/NNNN.json}).
     *
     * @param layer  the layer id
     * @param index  its position in the header's layer list
     * @param config the header's {@code config} it was computed under
     * @param npz    the arrays' file name, next to this record
     * @param sha256 SHA-256 of the npz
     * @param groups per group (Conv groups; one otherwise)
     * @param entry  the layer's report row
     */
    public record Stored(String layer, int index, String config, String npz, String sha256, List<GroupMeta> groups,
                         LayerEntry entry) {
    }

    /** A finished layer read back: its results (one per group) and report row. */
    public record Finished(List<LayerResult> results, LayerEntry entry) {
    }

    private final Path dir;
    private final Header header;

    private LayerResultStore(Path dir, Header header) {
        this.dir = dir;
        this.header = header;
    }

    /**
     * Opens the store in {@code dir} for writing results of the run {@code header} describes: creates it if there is
     * none, else checks that it holds results of the same run.
     *
     * @throws InvalidInputException if {@code dir} holds results of another model, calibration set or settings
     */
    public static LayerResultStore open(Path dir, Header header) {
        try {
            Files.createDirectories(dir.resolve("layers"));
            Files.createDirectories(dir.resolve("shards"));
        } catch (IOException e) {
            throw new InvalidInputException("cannot create the results folder " + dir + ": " + e, e);
        }
        Path h = dir.resolve(HEADER_FILE);
        if (!Files.exists(h)) {
            // concurrent shards write the same header; any one of them may win
            byte[] bytes = json(header);
            AtomicFile.write(h, out -> out.write(bytes));
        }
        Header existing = readHeader(dir);
        String diff = existing.difference(header);
        if (diff != null) {
            throw new InvalidInputException("the results folder " + dir + " holds layers of another run (" + diff
                    + "); use an empty folder for this run");
        }
        return new LayerResultStore(dir, existing);
    }

    /**
     * Opens an existing store for reading.
     *
     * @throws InvalidInputException if {@code dir} holds no store
     */
    public static LayerResultStore read(Path dir) {
        return new LayerResultStore(dir, readHeader(dir));
    }

    private static Header readHeader(Path dir) {
        Path h = dir.resolve(HEADER_FILE);
        if (!Files.isRegularFile(h)) {
            throw new InvalidInputException(dir + " holds no layer results (no " + HEADER_FILE + "); run "
                    + "'comq quantize --shard i/n --shard-dir " + dir + "' first");
        }
        try {
            Header header = JSON.readValue(h.toFile(), Header.class);
            if (!FORMAT.equals(header.format())) {
                throw new InvalidInputException(h + " is of format " + header.format() + ", this version reads "
                        + FORMAT);
            }
            return header;
        } catch (IOException e) {
            throw new InvalidInputException(h + " is not a readable results header: " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Header header() {
        return header;
    }

    /** Whether the layer's results are in the store. */
    public boolean has(String layer) {
        return Files.isRegularFile(record(indexOf(layer)));
    }

    /** When the layer's results were stored (its record's modification time). */
    public java.time.Instant storedAt(String layer) {
        try {
            return Files.getLastModifiedTime(record(indexOf(layer))).toInstant();
        } catch (IOException e) {
            throw new InvalidInputException("layer '" + layer + "' is not in the results folder " + dir + ": " + e, e);
        }
    }

    /** The planned layers whose results are not in the store yet, in plan order. */
    public List<String> missing() {
        List<String> m = new ArrayList<>();
        for (String l : header.layers()) {
            if (!has(l)) {
                m.add(l);
            }
        }
        return m;
    }

    /** Stores a finished layer: its results (one per group) and its report row; the record appears last. */
    public void put(String layer, List<LayerResult> results, LayerEntry entry) {
        int index = indexOf(layer);
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        List<GroupMeta> metas = new ArrayList<>();
        for (int g = 0; g < results.size(); g++) {
            LayerResult r = results.get(g);
            String p = "g" + g + ".";
            arrays.put(p + "codes", NpyArray.ofInts(new int[] {r.in(), r.out()}, r.codes()));
            arrays.put(p + "scales", NpyArray.of(r.scales()));
            arrays.put(p + "lo", NpyArray.ofInts(new int[] {r.scales().rows(), r.out()}, r.lo()));
            arrays.put(p + "hi", NpyArray.ofInts(new int[] {r.scales().rows(), r.out()}, r.hi()));
            arrays.put(p + "wq", NpyArray.of(r.wq()));
            if (r.biasCorrection() != null) {
                arrays.put(p + "bias", NpyArray.ofDoubles(new int[] {r.out()}, r.biasCorrection()));
            }
            metas.add(new GroupMeta(r.in(), r.out(), r.grid(), r.rtnRelError(), r.relErrorPerSweep(), r.relError(),
                    r.stats(), r.biasCorrection() != null));
        }
        String base = String.format(Locale.ROOT, "%04d", index);
        Path npz = dir.resolve("layers").resolve(base + ".npz");
        Npz.write(npz, arrays, false);
        String sha = Artifact.of(dir, npz).sha256();
        byte[] bytes = json(new Stored(layer, index, header.config(), npz.getFileName().toString(), sha, metas, entry));
        AtomicFile.write(record(index), out -> out.write(bytes));
    }

    /**
     * Reads a finished layer back, checking the npz against its SHA-256.
     *
     * @throws InvalidInputException if the layer is missing or its files are damaged
     */
    public Finished get(String layer) {
        Path rec = record(indexOf(layer));
        Stored s;
        try {
            s = JSON.readValue(rec.toFile(), Stored.class);
        } catch (IOException e) {
            throw new InvalidInputException("layer '" + layer + "': " + rec + " is missing or unreadable: "
                    + e.getMessage(), e);
        }
        if (!layer.equals(s.layer()) || !header.config().equals(s.config())) {
            throw new InvalidInputException(rec + " holds layer '" + s.layer() + "' of settings " + s.config()
                    + ", expected layer '" + layer + "' of settings " + header.config());
        }
        Path npz = rec.resolveSibling(s.npz());
        if (!Files.isRegularFile(npz) || !Artifact.of(dir, npz).sha256().equals(s.sha256())) {
            throw new InvalidInputException("layer '" + layer + "': " + npz + " is missing or does not match its "
                    + "SHA-256 " + s.sha256() + "; delete " + rec + " and quantize the layer again");
        }
        Map<String, NpyArray> arrays = Npz.read(npz);
        List<LayerResult> results = new ArrayList<>();
        for (int g = 0; g < s.groups().size(); g++) {
            GroupMeta m = s.groups().get(g);
            String p = "g" + g + ".";
            Matrix scales = arrays.get(p + "scales").toMatrix();
            results.add(new LayerResult(m.in(), m.out(), m.grid(), arrays.get(p + "codes").toInts(),
                    scales.toF64(), arrays.get(p + "lo").toInts(), arrays.get(p + "hi").toInts(),
                    arrays.get(p + "wq").toMatrix(), m.bias() ? arrays.get(p + "bias").toDoubles() : null,
                    m.rtnRelError(), m.relErrorPerSweep(), m.relError(), m.stats()));
        }
        return new Finished(results, s.entry());
    }

    /** Records that {@code shard} has quantized all of its layers. */
    public void markDone(Sharding.Shard shard, List<String> layers) {
        byte[] bytes = json(Map.of("shard", shard.index(), "shards", shard.count(), "layers", layers));
        AtomicFile.write(shardFile(shard.index()), out -> out.write(bytes));
    }

    /** The shard indices that have not recorded being done. */
    public List<Integer> unfinishedShards() {
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < header.shards(); i++) {
            if (!Files.isRegularFile(shardFile(i))) {
                open.add(i);
            }
        }
        return open;
    }

    /**
     * Deletes the store's own files (header, layer records and arrays, shard markers) and then its folders if that
     * leaves them empty; anything else in the folder stays.
     */
    public void delete() {
        try {
            for (String sub : List.of("layers", "shards")) {
                Path d = dir.resolve(sub);
                if (!Files.isDirectory(d)) {
                    continue;
                }
                try (Stream<Path> s = Files.list(d)) {
                    for (Path p : s.toList()) {
                        String n = p.getFileName().toString();
                        if (n.matches("\\d{4}\\.(npz|json)") || n.matches("shard-\\d+-of-\\d+\\.json")) {
                            Files.delete(p);
                        }
                    }
                }
                deleteIfEmpty(d);
            }
            Files.deleteIfExists(dir.resolve(HEADER_FILE));
            deleteIfEmpty(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the results in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteIfEmpty(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            if (s.findAny().isEmpty()) {
                Files.delete(d);
            }
        }
    }

    private Path shardFile(int index) {
        return dir.resolve("shards").resolve("shard-" + index + "-of-" + header.shards() + ".json");
    }

    private int indexOf(String layer) {
        int i = header.layers().indexOf(layer);
        if (i < 0) {
            throw new InvalidInputException("layer '" + layer + "' is not among the " + header.layers().size()
                    + " layers of the results folder " + dir);
        }
        return i;
    }

    private Path record(int index) {
        return dir.resolve("layers").resolve(String.format(Locale.ROOT, "%04d.json", index));
    }

    private static byte[] json(Object o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + o.getClass().getSimpleName() + ": " + e.getMessage(),
                    e);
        }
    }
}
