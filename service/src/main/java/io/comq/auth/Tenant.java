package io.comq.auth;

import java.security.Principal;

/**
 * The owner of models, calibration sets and jobs: the tenant of the bearer token a request carried. A controller
 * receives it as a method parameter (see {@link TenantBinder}).
 *
 * @param id the tenant's name from the token configuration
 */
public record Tenant(String id) implements Principal {

    /** The tenant's name (as a {@link Principal}; being one also keeps it out of the OpenAPI parameters). */
    @Override
    public String getName() {
        return id;
    }
}
