package io.comq.asset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.error.InvalidInputException;
import io.comq.server.ConflictException;
import io.comq.server.NotFoundException;
import io.comq.server.EngineThreads;
import io.comq.server.ServiceSettings;
import io.comq.store.BlobInfo;
import io.comq.store.BlobStore;
import io.comq.store.BlobTooLargeException;
import io.comq.store.LocalBlobStore;
import io.micronaut.data.exceptions.DataAccessException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads of models and calibration sets. An upload streams into a staging folder (SHA-256 and size counted on the
 * way, the size limit enforced), is read by the engine, and only then enters the blob store under a key made of its
 * kind and a fresh id, and the database. A tenant uploading the same bytes again gets the stored one back.
 */
@Singleton
public class AssetService {

    /** A display name: a plain file name, no path, no control characters. */
    private static final Pattern NAME = Pattern.compile("[^/\\\\\\p{Cntrl}]{1,255}");
    private static final Logger LOG = LoggerFactory.getLogger(AssetService.class);

    private final AssetRepository assets;
    private final AssetUse jobs;
    private final BlobStore store;
    private final ObjectMapper json;
    private final long maxBytes;
    private final LocalBlobStore staging;
    private final EngineThreads engine;

    AssetService(AssetRepository assets, AssetUse jobs, BlobStore store, ObjectMapper json,
                 ServiceSettings settings, EngineThreads engine) {
        this.engine = engine;
        this.assets = assets;
        this.jobs = jobs;
        this.store = store;
        this.json = json;
        this.maxBytes = settings.getUpload().getMaxBytes();
        try {
            this.staging = new LocalBlobStore(settings.getDataDir().resolve("incoming"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the upload staging folder: " + e.getMessage(), e);
        }
    }

    /** An upload and whether it was new (false: the tenant had stored the same bytes before). */
    public record Stored(Asset asset, boolean created) {
    }

    /**
     * Stores an upload of {@code kind} for {@code tenant}.
     *
     * @param name          the client's name for it (display only)
     * @param declaredBytes the request's {@code Content-Length}, or -1
     * @throws BlobTooLargeException  if it is over {@code comq.upload.max-bytes}
     * @throws InvalidInputException  if the name is not a plain file name or the engine cannot use the content
     */
    public Stored upload(String tenant, AssetKind kind, String name, InputStream body, long declaredBytes)
            throws IOException {
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new InvalidInputException("the name '" + name + "' is not a plain file name: give ?name= without "
                    + "slashes, backslashes or control characters, at most 255 characters (it is shown, never used "
                    + "as a path)");
        }
        if (declaredBytes > maxBytes) {
            throw new BlobTooLargeException("the upload", maxBytes);
        }
        String stageKey = UUID.randomUUID().toString();
        try {
            BlobInfo staged = staging.put(stageKey, body, maxBytes);
            if (staged.size() == 0) {
                throw new InvalidInputException("the upload is empty: send the file as the request body");
            }
            Optional<Asset> same = assets.findByTenantAndKindAndSha256(tenant, kind, staged.sha256());
            if (same.isPresent()) {
                return new Stored(same.get(), false);
            }
            Path file = staging.localCopy(stageKey, null);
            Object found;
            try {
                found = engine.call(() -> kind == AssetKind.MODEL ? Inspector.model(file)
                        : Inspector.calibration(file));
            } catch (InvalidInputException e) {
                throw new RejectedUploadException(e, e.getMessage().replace(file.toString(), "the upload '" + name
                        + "'"));
            }
            String info = json.writeValueAsString(found);
            Object format = json.readTree(info).get("format").asText();
            String id = UUID.randomUUID().toString();
            String key = kind.folder() + "/" + id;
            store.putFile(key, file);
            Asset a = new Asset(id, tenant, kind, name, format.toString(), staged.size(), staged.sha256(), key, info,
                    Instant.now().truncatedTo(ChronoUnit.MILLIS));
            try {
                return new Stored(assets.save(a), true);
            } catch (DataAccessException e) {
                store.delete(key);
                Optional<Asset> raced = assets.findByTenantAndKindAndSha256(tenant, kind, staged.sha256());
                if (raced.isPresent()) {
                    return new Stored(raced.get(), false);
                }
                throw e;
            }
        } finally {
            staging.delete(stageKey);
        }
    }

    /** The tenant's asset of this kind, or {@link NotFoundException}. */
    public Asset get(String tenant, AssetKind kind, String id) {
        return assets.findByIdAndTenantAndKind(id, tenant, kind).orElseThrow(() -> new NotFoundException(
                "no " + (kind == AssetKind.MODEL ? "model" : "calibration set") + " with id '" + id + "'"));
    }

    /** Removes the tenant's asset and its bytes; refused while a job that is not finished uses it. */
    public void delete(String tenant, AssetKind kind, String id) throws IOException {
        Asset a = get(tenant, kind, id);
        if (jobs.countActiveUsing(a.id()) > 0) {
            throw new ConflictException("the " + (kind == AssetKind.MODEL ? "model" : "calibration set") + " '" + id
                    + "' is used by a queued or running job; cancel the job first");
        }
        assets.delete(a);
        store.delete(a.blobKey());
        LOG.info("deleted {} {}", kind, id);
    }

    /** The stored metadata of a model asset. */
    public ModelInfo modelInfo(Asset a) {
        return read(a, ModelInfo.class);
    }

    /** The stored metadata of a calibration set asset. */
    public CalibrationInfo calibrationInfo(Asset a) {
        return read(a, CalibrationInfo.class);
    }

    private <T> T read(Asset a, Class<T> type) {
        try {
            return json.readValue(a.infoJson(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored metadata of " + a.id() + " is unreadable: " + e.getMessage(), e);
        }
    }
}
