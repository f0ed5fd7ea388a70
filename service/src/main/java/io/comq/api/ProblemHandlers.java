package io.comq.api;

import io.comq.problem.Problem;
import io.comq.problem.Problems;
import io.comq.asset.RejectedUploadException;
import io.comq.error.CalibrationMismatchException;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.error.ShapeMismatchException;
import io.comq.server.ConflictException;
import io.comq.server.NotFoundException;
import io.comq.store.BlobTooLargeException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.comq.error.NativeMathException;
import io.comq.option.OptionNames;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/**
 * The typed errors of the engine and the service as problem responses: malformed uploads 400, well-formed input that
 * does not fit (a calibration set against its model, contradictory settings) 422, unknown ids 404, conflicts 409,
 * oversized uploads 413.
 */
final class ProblemHandlers {
    private ProblemHandlers() {
    }

    /** The status of an engine input error: 422 for input that is well-formed but does not fit, else 400. */
    static HttpStatus status(InvalidInputException e) {
        if (e instanceof RejectedUploadException r) {
            return status(r.engineError());
        }
        return e instanceof CalibrationMismatchException || e instanceof ShapeMismatchException
                || e instanceof InvalidConfigException ? HttpStatus.UNPROCESSABLE_ENTITY : HttpStatus.BAD_REQUEST;
    }

    /** The kind of problem an exception class names: {@code CalibrationMismatchException} -> calibration mismatch. */
    static String kind(Class<?> type) {
        String n = type.getSimpleName().replaceAll("Exception$", "");
        return n.replaceAll("([a-z])([A-Z])", "$1 $2");
    }

    @Produces
    @Singleton
    @Requires(classes = {InvalidInputException.class, ExceptionHandler.class})
    static final class InvalidInput implements ExceptionHandler<InvalidInputException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, InvalidInputException e) {
            Class<?> kind = e instanceof RejectedUploadException r ? r.engineError().getClass() : e.getClass();
            // the engine names settings by markers: a REST client reads its own field names (calibrationMode)
            return Problems.response(status(e), kind(kind), OptionNames.JSON.render(e.getMessage()),
                    request.getPath());
        }
    }

    @Produces
    @Singleton
    @Requires(classes = {NotFoundException.class, ExceptionHandler.class})
    static final class NotFound implements ExceptionHandler<NotFoundException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, NotFoundException e) {
            return Problems.response(HttpStatus.NOT_FOUND, "not found", e.getMessage(), request.getPath());
        }
    }

    @Produces
    @Singleton
    @Requires(classes = {ConflictException.class, ExceptionHandler.class})
    static final class Conflict implements ExceptionHandler<ConflictException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, ConflictException e) {
            return Problems.response(HttpStatus.CONFLICT, "conflict", e.getMessage(), request.getPath());
        }
    }

    @Produces
    @Singleton
    @Requires(classes = {BlobTooLargeException.class, ExceptionHandler.class})
    static final class TooLarge implements ExceptionHandler<BlobTooLargeException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, BlobTooLargeException e) {
            return Problems.response(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "too large", "the upload is larger than "
                    + "the limit of " + e.limit() + " bytes (comq.upload.max-bytes); nothing was stored",
                    request.getPath()).header(HttpHeaders.CONNECTION, "close"); // the rest of the body is not read
        }
    }

    @Produces
    @Singleton
    @Requires(classes = {NativeMathException.class, ExceptionHandler.class})
    static final class UntrustedMath implements ExceptionHandler<NativeMathException, HttpResponse<Problem>> {
        @Override
        public HttpResponse<Problem> handle(HttpRequest request, NativeMathException e) {
            return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, "native math unavailable", e.getMessage(),
                    request.getPath());
        }
    }
}
