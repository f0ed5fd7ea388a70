package io.comq.asset;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/**
 * One stored upload, a model or a calibration set, owned by a tenant.
 *
 * @param id        the service's id (a UUID), also the last segment of the blob key
 * @param tenant    the owner
 * @param kind      what it is
 * @param name      the client's name for it, for display only: it never becomes a file name
 * @param format    {@code onnx}, {@code safetensors} or {@code npz}
 * @param sizeBytes its length
 * @param sha256    its SHA-256, lower-case hex
 * @param blobKey   where its bytes are in the blob store
 * @param infoJson  what the engine found in it, as JSON ({@link ModelInfo} or {@link CalibrationInfo})
 * @param createdAt when it was stored
 */
@MappedEntity(value = "assets", escape = false)
public record Asset(@Id String id, String tenant, AssetKind kind, String name, String format, long sizeBytes,
                   String sha256, String blobKey, String infoJson, Instant createdAt) {
}
