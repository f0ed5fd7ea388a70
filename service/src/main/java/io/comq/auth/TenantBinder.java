package io.comq.auth;

import io.micronaut.core.convert.ArgumentConversionContext;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.bind.binders.TypedRequestArgumentBinder;
import jakarta.inject.Singleton;

/** Binds a controller parameter of type {@link Tenant} to the tenant {@link TokenFilter} found for the request. */
@Singleton
public class TenantBinder implements TypedRequestArgumentBinder<Tenant> {

    @Override
    public Argument<Tenant> argumentType() {
        return Argument.of(Tenant.class);
    }

    @Override
    public BindingResult<Tenant> bind(ArgumentConversionContext<Tenant> context, HttpRequest<?> source) {
        var tenant = source.getAttribute(TokenFilter.TENANT, Tenant.class);
        return () -> tenant;
    }
}
