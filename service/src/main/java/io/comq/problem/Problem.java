package io.comq.problem;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;

/**
 * An RFC 7807 problem detail, the body of every error response ({@code application/problem+json}).
 *
 * @param type     a URI naming the kind of problem ({@code urn:comq:problem:<kind>}), or {@code about:blank}
 * @param title    the HTTP status phrase
 * @param status   the HTTP status code
 * @param detail   what went wrong, for a person to act on
 * @param instance the request path
 */
@Introspected
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, @Nullable String detail, @Nullable String instance) {
}
