package io.comq.api;

import io.comq.auth.Tenant;
import io.comq.job.Job;
import io.comq.job.JobService;
import io.comq.job.JobState;
import io.comq.server.NotFoundException;
import io.comq.store.BlobInfo;
import io.comq.store.BlobStore;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A job's outputs: the artifact list, downloads (with {@code Content-Length}, the SHA-256 in {@code X-Checksum-Sha256}
 * and {@code Repr-Digest}, and single HTTP ranges), and its report as JSON or, for {@code Accept: text/html}, the HTML
 * page. Everything streams from the blob store.
 */
@Controller("/v1/jobs/{id}")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ArtifactController {
    /** The header carrying an artifact's SHA-256 in lower-case hex. */
    public static final String CHECKSUM_HEADER = "X-Checksum-Sha256";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private final JobService jobs;
    private final BlobStore store;

    ArtifactController(JobService jobs, BlobStore store) {
        this.jobs = jobs;
        this.store = store;
    }

    /**
     * A job's artifacts.
     *
     * @param jobId the job
     * @param state its state; artifacts exist only once it has succeeded
     * @param items the artifacts in name order (empty unless it succeeded)
     */
    @Introspected
    public record ArtifactList(String jobId, JobState state, List<JobView.ArtifactInfo> items) {
    }

    /** The artifacts of a job: name, size, SHA-256 and download link of each. */
    @Get("/artifacts")
    ArtifactList list(Tenant tenant, String id) throws IOException {
        Job job = jobs.get(tenant.id(), id);
        List<JobView.ArtifactInfo> items = new ArrayList<>();
        for (Map.Entry<String, String> e : jobs.artifacts(job).entrySet()) {
            var info = store.stat(e.getValue());
            if (info.isPresent()) {
                items.add(JobView.artifact(job.id(), e.getKey(), info.get()));
            }
        }
        return new ArtifactList(job.id(), job.state(), items);
    }

    /** Downloads one artifact, whole or one byte range of it. */
    @Get("/artifacts/{name}")
    @Produces(MediaType.ALL)
    MutableHttpResponse<?> download(Tenant tenant, String id, String name,
                                    @Nullable @Header(HttpHeaders.RANGE) String range) throws IOException {
        Job job = jobs.get(tenant.id(), id);
        return serve(job, artifact(job, name), name, range, true);
    }

    /** The job's report: {@code report.json}, or {@code report.html} when the client asks for {@code text/html}. */
    @Get("/report")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_HTML})
    MutableHttpResponse<?> report(Tenant tenant, String id, @Nullable @Header(HttpHeaders.ACCEPT) String accept)
            throws IOException {
        Job job = jobs.get(tenant.id(), id);
        String name = wantsHtml(accept) ? "report.html" : "report.json";
        return serve(job, artifact(job, name), name, null, false);
    }

    private BlobInfo artifact(Job job, String name) throws IOException {
        if (job.state() != JobState.SUCCEEDED) {
            throw new NotFoundException("job '" + job.id() + "' is " + job.state().id() + "; its artifacts and report "
                    + "appear when it has succeeded");
        }
        String key = NAME.matcher(name).matches() ? jobs.artifacts(job).get(name) : null;
        BlobInfo info = key == null ? null : store.stat(key).orElse(null);
        if (info == null) {
            throw new NotFoundException("job '" + job.id() + "' has no artifact named '" + name + "'; GET /v1/jobs/"
                    + job.id() + "/artifacts lists them");
        }
        return info;
    }

    private MutableHttpResponse<?> serve(Job job, BlobInfo info, String name, @Nullable String rangeHeader,
                                        boolean attachment) throws IOException {
        MediaType type = mediaType(name);
        ByteRange.Parsed parsed = ByteRange.parse(rangeHeader, info.size());
        MutableHttpResponse<?> response;
        if (parsed instanceof ByteRange.Unsatisfiable) {
            response = HttpResponse.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                    .header(HttpHeaders.CONTENT_RANGE, "bytes */" + info.size());
        } else if (parsed instanceof ByteRange.Partial p) {
            InputStream in = store.open(info.key(), p.range().first(), p.range().length());
            response = HttpResponse.status(HttpStatus.PARTIAL_CONTENT)
                    .body(new StreamedFile(in, type, info.created().toEpochMilli(), p.range().length()))
                    .header(HttpHeaders.CONTENT_RANGE, p.range().contentRange(info.size()));
        } else {
            InputStream in = store.open(info.key(), 0, -1);
            response = HttpResponse.ok(new StreamedFile(in, type, info.created().toEpochMilli(), info.size()));
        }
        response.header(HttpHeaders.ACCEPT_RANGES, "bytes")
                .header(HttpHeaders.ETAG, "\"" + info.sha256() + "\"")
                .header(CHECKSUM_HEADER, info.sha256())
                .header("Repr-Digest", "sha-256=:" + Base64.getEncoder().encodeToString(
                        HexFormat.of().parseHex(info.sha256())) + ":");
        if (attachment) {
            response.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + name + "\"");
        }
        return response;
    }

    /** Whether {@code accept} prefers HTML to JSON (a browser); anything else gets JSON. */
    static boolean wantsHtml(@Nullable String accept) {
        if (accept == null) {
            return false;
        }
        double html = quality(accept, "text/html");
        double json = quality(accept, "application/json");
        return html > 0 && html > json;
    }

    private static double quality(String accept, String type) {
        double q = 0;
        for (String part : accept.split(",")) {
            String[] params = part.strip().split(";");
            if (!params[0].strip().equalsIgnoreCase(type)) {
                continue;
            }
            q = 1;
            for (int k = 1; k < params.length; k++) {
                String p = params[k].strip();
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
        }
        return q;
    }

    private static MediaType mediaType(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".json")) {
            return MediaType.APPLICATION_JSON_TYPE;
        }
        if (n.endsWith(".html")) {
            return MediaType.TEXT_HTML_TYPE;
        }
        return MediaType.APPLICATION_OCTET_STREAM_TYPE;
    }
}
