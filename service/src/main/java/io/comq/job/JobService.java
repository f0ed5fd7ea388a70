package io.comq.job;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.asset.Asset;
import io.comq.asset.AssetKind;
import io.comq.asset.AssetRepository;
import io.comq.asset.AssetService;
import io.comq.asset.ModelInfo;
import io.comq.calibration.data.CalibrationSet;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.format.onnx.OnnxModel;
import io.comq.pipeline.OutputFormat;
import io.comq.quant.linalg.Linalg;
import io.comq.server.ConflictException;
import io.comq.server.EngineThreads;
import io.comq.server.NotFoundException;
import io.comq.server.ServiceSettings;
import io.comq.settings.QuantizeSettings;
import io.comq.store.BlobStore;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.exceptions.DataAccessException;
import io.micronaut.data.model.Page;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.Sort;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Submitting, reading, cancelling and deleting jobs for a tenant. A job is checked against its model and
 * calibration set before it is queued: settings valid, model an ONNX model, the calibration set's arrays matching the
 * model's inputs, the layer selection naming real layers.
 */
@Singleton
public class JobService {

    /** Largest page of a job listing. */
    public static final int MAX_PAGE_SIZE = 100;

    private final JobRepository jobs;
    private final JobLayerRepository layers;
    private final AssetRepository assetRepo;
    private final AssetService assets;
    private final BlobStore store;
    private final JobRunner runner;
    private final ObjectMapper json;
    private final ServiceSettings settings;
    private final EngineThreads engine;

    JobService(JobRepository jobs, JobLayerRepository layers, AssetRepository assetRepo, AssetService assets,
               BlobStore store, JobRunner runner, ObjectMapper json, ServiceSettings settings, EngineThreads engine) {
        this.engine = engine;
        this.jobs = jobs;
        this.layers = layers;
        this.assetRepo = assetRepo;
        this.assets = assets;
        this.store = store;
        this.runner = runner;
        this.json = json;
        this.settings = settings;
    }

    /** What a client asks for. */
    public record Request(@Nullable String modelId, @Nullable String calibrationSetId,
                          @Nullable QuantizeSettings settings, @Nullable String webhookUrl) {
    }

    /** A job and whether this call created it (false: an earlier request with the same idempotency key did). */
    public record Submitted(Job job, boolean created) {
    }

    /**
     * Checks and queues a job.
     *
     * @throws InvalidInputException naming the field or the mismatch (HTTP 422)
     */
    public Submitted submit(String tenant, Request req, @Nullable String idempotencyKey) throws IOException {
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 200)) {
            throw new InvalidConfigException("the Idempotency-Key header must be 1 to 200 characters");
        }
        QuantizeSettings s = (req.settings() == null ? QuantizeSettings.defaults() : req.settings()).resolved();
        if (!OutputFormat.parse(s.format()).isOnnx()) {
            throw new InvalidConfigException("format '" + s.format() + "' is not offered by the service: it quantizes "
                    + "ONNX models from a calibration set; use qdq or matmulnbits");
        }
        Linalg.process().math(); // a replica whose required native math failed its self-test takes no job (503)
        String webhook = webhook(req.webhookUrl());
        Asset model = reference(tenant, AssetKind.MODEL, req.modelId(), "modelId");
        Asset cal = reference(tenant, AssetKind.CALIBRATION_SET, req.calibrationSetId(), "calibrationSetId");
        String settingsJson = json.writeValueAsString(s);
        String digest = sha256(model.id() + "\n" + cal.id() + "\n" + settingsJson + "\n" + webhook);
        if (idempotencyKey != null) {
            Optional<Job> earlier = jobs.findByTenantAndIdempotencyKey(tenant, idempotencyKey);
            if (earlier.isPresent()) {
                return replay(earlier.get(), digest, idempotencyKey);
            }
        }
        engine.call(() -> {
            check(model, cal, s);
            return null;
        });
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Job job = new Job(UUID.randomUUID().toString(), tenant, JobState.QUEUED, model.id(), cal.id(), settingsJson,
                webhook, idempotencyKey, digest, s.backend(), null, 0, 0, 0, null, null, now, null, null);
        try {
            job = jobs.save(job);
        } catch (DataAccessException e) {
            if (idempotencyKey != null) {
                Optional<Job> raced = jobs.findByTenantAndIdempotencyKey(tenant, idempotencyKey);
                if (raced.isPresent()) {
                    return replay(raced.get(), digest, idempotencyKey);
                }
            }
            throw e;
        }
        runner.submit(job.id());
        return new Submitted(job, true);
    }

    private static Submitted replay(Job earlier, String digest, String key) {
        if (!earlier.requestSha256().equals(digest)) {
            throw new InvalidConfigException("the Idempotency-Key '" + key + "' was already used for a different "
                    + "request (job " + earlier.id() + "); use a new key for a new job");
        }
        return new Submitted(earlier, false);
    }

    private Asset reference(String tenant, AssetKind kind, String id, String field) {
        if (id == null || id.isBlank()) {
            throw new InvalidConfigException("'" + field + "' is required: the id returned by POST /v1/"
                    + kind.folder());
        }
        return assetRepo.findByIdAndTenantAndKind(id, tenant, kind).orElseThrow(() -> new InvalidConfigException(
                "'" + field + "' names no " + (kind == AssetKind.MODEL ? "model" : "calibration set") + " of yours: '"
                        + id + "'; upload it with POST /v1/" + kind.folder() + " first"));
    }

    /** The checks that need the files: calibration arrays against model inputs, layer selection against layers. */
    private void check(Asset model, Asset cal, QuantizeSettings s) throws IOException {
        ModelInfo info = assets.modelInfo(model);
        if (!"onnx".equals(info.format())) {
            throw new InvalidConfigException("model '" + model.id() + "' is a " + info.format() + " checkpoint; the "
                    + "service quantizes ONNX models from a calibration set (checkpoints need precomputed Gram "
                    + "matrices: use comq quantize --format safetensors)");
        }
        Path scratch = Files.createDirectories(settings.workDir().resolve("check-" + UUID.randomUUID()));
        try {
            CalibrationSet.read(store.localCopy(cal.blobKey(), scratch)).checkAgainst(info.modelInputs());
            if (!s.exclude().isEmpty() || !s.excludeOps().isEmpty() || !s.layerBits().isEmpty()) {
                OnnxModel.load(store.localCopy(model.blobKey(), scratch)).layers(s.selection());
            }
        } finally {
            io.comq.format.Folders.deleteTree(scratch);
        }
    }

    private static String webhook(@Nullable String url) {
        if (url == null) {
            return null;
        }
        try {
            URI u = URI.create(url);
            if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
                throw new IllegalArgumentException("not http(s)");
            }
            return u.toString();
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("'webhookUrl' must be an absolute http or https URL, got '" + url + "'");
        }
    }

    /** The tenant's job, or {@link NotFoundException}. */
    public Job get(String tenant, String id) {
        return jobs.findByIdAndTenant(id, tenant).orElseThrow(() -> new NotFoundException("no job with id '" + id
                + "'"));
    }

    /** The layers the job has finished, in order. */
    public List<JobLayer> layers(Job job) {
        return layers.findByJobIdOrderBySeq(job.id());
    }

    /** The artifacts of a succeeded job: file name to blob key, in name order; empty for any other state. */
    public Map<String, String> artifacts(Job job) throws IOException {
        Map<String, String> r = new TreeMap<>();
        if (job.state() == JobState.SUCCEEDED) {
            String prefix = JobBlobs.artifactKey(job.id(), "");
            for (String k : store.list(prefix)) {
                r.put(k.substring(prefix.length()), k);
            }
        }
        return r;
    }

    /** The settings the job runs with. */
    public QuantizeSettings settings(Job job) {
        try {
            return json.readValue(job.settingsJson(), QuantizeSettings.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored settings of job " + job.id() + " are unreadable", e);
        }
    }

    /** The tenant's jobs, newest first, optionally of one state. */
    public Page<Job> list(String tenant, @Nullable JobState state, int page, int size) {
        if (page < 0 || size < 1 || size > MAX_PAGE_SIZE) {
            throw new InvalidConfigException("page must be >= 0 and size in 1.." + MAX_PAGE_SIZE + ", got page "
                    + page + " and size " + size);
        }
        Pageable p = Pageable.from(page, size, Sort.of(Sort.Order.desc("createdAt"), Sort.Order.asc("id")));
        return state == null ? jobs.findByTenant(tenant, p) : jobs.findByTenantAndState(tenant, state, p);
    }

    /**
     * Cancels the tenant's job: a queued one ends {@code cancelled} now, a running one at its next progress step; a
     * finished one is left as it is. Returns the job as it is after the call.
     */
    public Job cancel(String tenant, String id) {
        Job j = get(tenant, id);
        if (j.state() == JobState.QUEUED
                && jobs.finish(id, JobState.QUEUED.name(), JobState.CANCELLED.name(), now()) == 1) {
            runner.discardCheckpoint(id); // a job queued again after a stop may have one
            return get(tenant, id);
        }
        if (j.state() == JobState.RUNNING || j.state() == JobState.QUEUED) {
            runner.cancel(id);
        }
        return get(tenant, id);
    }

    /** Deletes the tenant's finished or queued job with its artifacts and layer records; a running one is refused. */
    public void delete(String tenant, String id) throws IOException {
        Job j = get(tenant, id);
        if (j.state() == JobState.QUEUED) {
            jobs.finish(id, JobState.QUEUED.name(), JobState.CANCELLED.name(), now());
            j = get(tenant, id);
        }
        if (!j.state().terminal()) {
            throw new ConflictException("job '" + id + "' is " + j.state().id() + "; cancel it (POST /v1/jobs/" + id
                    + "/cancel) and delete it once it has stopped");
        }
        for (String k : store.list(JobBlobs.jobPrefix(id))) {
            store.delete(k);
        }
        runner.discardCheckpoint(id);
        layers.deleteByJobId(id);
        jobs.deleteById(id);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
