package io.comq.api;

import io.comq.auth.Tenant;
import io.comq.job.Job;
import io.comq.job.JobService;
import io.comq.job.JobState;
import io.comq.store.BlobStore;
import io.comq.error.InvalidConfigException;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.model.Page;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Jobs: submit (202 and {@code Location}), read, list by state, cancel, delete. */
@Controller("/v1/jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
public class JobController {

    private final JobService jobs;
    private final BlobStore store;

    JobController(JobService jobs, BlobStore store) {
        this.jobs = jobs;
        this.store = store;
    }

    /**
     * A page of jobs.
     *
     * @param items      the jobs, newest first
     * @param page       this page's number, from 0
     * @param size       the page size asked for
     * @param totalItems jobs in all
     * @param totalPages pages in all
     */
    @Introspected
    public record JobPage(List<JobView> items, int page, int size, long totalItems, int totalPages) {
    }

    @Post
    HttpResponse<JobView> submit(Tenant tenant, @Body JobService.Request request,
                                 @Nullable @Header("Idempotency-Key") String idempotencyKey) throws IOException {
        JobService.Submitted s = jobs.submit(tenant.id(), request, idempotencyKey);
        return HttpResponse.<JobView>status(HttpStatus.ACCEPTED).body(view(s.job()))
                .header("Location", "/v1/jobs/" + s.job().id());
    }

    @Get("/{id}")
    JobView job(Tenant tenant, String id) throws IOException {
        return view(jobs.get(tenant.id(), id));
    }

    @Get
    JobPage list(Tenant tenant, @Nullable @QueryValue String state, @QueryValue(defaultValue = "0") int page,
                 @QueryValue(defaultValue = "20") int size) {
        JobState st;
        try {
            st = state == null || state.isBlank() ? null : JobState.parse(state);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(e.getMessage());
        }
        Page<Job> p = jobs.list(tenant.id(), st, page, size);
        return new JobPage(p.getContent().stream().map(JobView::summary).toList(), page, size, p.getTotalSize(),
                p.getTotalPages());
    }

    @Post("/{id}/cancel")
    HttpResponse<JobView> cancel(Tenant tenant, String id) throws IOException {
        Job j = jobs.cancel(tenant.id(), id);
        return HttpResponse.<JobView>status(j.state().terminal() ? HttpStatus.OK : HttpStatus.ACCEPTED).body(view(j));
    }

    @Delete("/{id}")
    HttpResponse<Void> delete(Tenant tenant, String id) throws IOException {
        jobs.delete(tenant.id(), id);
        return HttpResponse.noContent();
    }

    private JobView view(Job j) throws IOException {
        List<JobView.ArtifactInfo> artifacts = null;
        Map<String, String> keys = jobs.artifacts(j);
        if (!keys.isEmpty()) {
            artifacts = new ArrayList<>();
            for (Map.Entry<String, String> e : keys.entrySet()) {
                var info = store.stat(e.getValue());
                if (info.isPresent()) {
                    artifacts.add(JobView.artifact(j.id(), e.getKey(), info.get()));
                }
            }
        }
        return JobView.of(j, jobs.settings(j), jobs.layers(j), artifacts);
    }
}
