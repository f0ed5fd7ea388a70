package io.comq.problem;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import java.util.Locale;

/** Builds problem responses. */
public final class Problems {
    /** The media type of problem details. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private Problems() {
    }

    /** A problem response of this status; the kind in the type URI is the title in kebab case. */
    public static MutableHttpResponse<Problem> response(HttpStatus status, String kind, String detail, String path) {
        String type = "urn:comq:problem:" + kind.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        return HttpResponse.<Problem>status(status)
                .body(new Problem(type, status.getReason(), status.getCode(), detail, path))
                .contentType(MEDIA_TYPE);
    }
}
