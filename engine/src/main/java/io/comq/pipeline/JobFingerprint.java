package io.comq.pipeline;

import io.comq.format.onnx.OnnxLayer;
import io.comq.report.Artifact;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What identifies a run's per-layer results, for {@link LayerResultStore}: the model's and calibration set's SHA-256
 * and a digest of every setting that changes a layer's result (not the output format, the backend or the paths, which
 * may differ between the pods of one sharded run).
 */
final class JobFingerprint {
    private JobFingerprint() {
    }

    /** The store header of {@code job} over {@code layers}, with {@code shards} shards (0: a plain checkpoint). */
    static LayerResultStore.Header header(ModelJob job, List<OnnxLayer> layers, Map<String, String> settings,
                                          int shards) {
        return new LayerResultStore.Header(LayerResultStore.FORMAT, job.model().toString(), sha256(job.model()),
                sha256(job.calibration()), config(job), shards, layers.stream().map(OnnxLayer::id).toList(), settings,
                job.validationFraction(), job.seed(), job.batchSize());
    }

    /** SHA-256 of the settings that change results (records print their components, deterministically). */
    static String config(ModelJob job) {
        String canonical = String.format(Locale.ROOT, "layer=%s;selection=%s;batch=%d;validation=%s;seed=%d",
                job.layer(), job.selection(), job.batchSize(), job.validationFraction(), job.seed());
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** SHA-256 of a file. */
    static String sha256(Path file) {
        Path abs = file.toAbsolutePath();
        return Artifact.of(abs.getParent(), abs).sha256();
    }
}
