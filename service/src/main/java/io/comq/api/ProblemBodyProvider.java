package io.comq.api;

import io.comq.problem.Problem;
import io.comq.problem.Problems;
import io.micronaut.context.annotation.Primary;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.server.exceptions.response.Error;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.JsonErrorResponseBodyProvider;
import jakarta.inject.Singleton;
import java.util.stream.Collectors;

/**
 * Problem details for the errors the framework itself answers (no such route, wrong method or media type, a body
 * that is not JSON, an internal error), so that every error of the service has the same shape.
 */
@Singleton
@Primary
public class ProblemBodyProvider implements JsonErrorResponseBodyProvider<Problem> {

    @Override
    public Problem body(ErrorContext context, HttpResponse<?> response) {
        HttpStatus status = response.getStatus();
        String detail = context.getErrors().stream().map(Error::getMessage).collect(Collectors.joining("; "));
        if (status.getCode() >= 500) {
            detail = "internal error; the service log has the details";
        }
        return new Problem("about:blank", status.getReason(), status.getCode(), detail.isEmpty() ? null : detail,
                context.getRequest().getPath());
    }

    @Override
    public String contentType() {
        return Problems.MEDIA_TYPE;
    }
}
