package io.comq.auth;

import io.comq.problem.Problems;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.util.Optional;

/**
 * Every request under {@code /v1} needs {@code Authorization: Bearer <token>} with a configured token; its tenant is
 * attached to the request ({@link #TENANT}). Anything else gets 401 with a problem body; health is outside
 * {@code /v1} and stays open.
 */
@ServerFilter("/v1/**")
public class TokenFilter {

    /** The request attribute holding the {@link Tenant}. */
    public static final String TENANT = "comq.tenant";

    private final TokenRegistry tokens;

    TokenFilter(TokenRegistry tokens) {
        this.tokens = tokens;
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (tokens.isEmpty()) {
            return refuse(request, "no API tokens are configured on this server: set comq.auth.tokens or "
                    + "comq.auth.token-file");
        }
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return refuse(request, "send an API token as 'Authorization: Bearer <token>'");
        }
        Optional<Tenant> t = tokens.tenant(header.substring(7).strip());
        if (t.isEmpty()) {
            return refuse(request, "the bearer token is not valid");
        }
        request.setAttribute(TENANT, t.get());
        return null;
    }

    private static HttpResponse<?> refuse(HttpRequest<?> request, String detail) {
        return Problems.response(HttpStatus.UNAUTHORIZED, "Unauthorized", detail, request.getPath())
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"comq\"")
                .header(HttpHeaders.CONNECTION, "close"); // an upload's body is not read
    }
}
