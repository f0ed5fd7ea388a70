package io.comq.api;

import io.micronaut.core.io.ResourceResolver;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.enums.SecuritySchemeType;
import io.swagger.v3.oas.annotations.info.Info;
import io.swagger.v3.oas.annotations.info.License;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.security.SecurityScheme;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * {@code GET /openapi.yml}: the OpenAPI document of the API, generated from the controllers at compile time. It is open
 * (like health): it describes the API and holds no data; every {@code /v1} operation it lists needs a bearer token.
 */
@OpenAPIDefinition(
        info = @Info(title = "COMQ Service", version = "v1",
                description = "Post-training quantization of neural networks (COMQ, GPTQ, RTN) as a service: upload a "
                        + "model and a calibration set, submit a job, follow it, download its artifacts.",
                license = @License(name = "see the repository")),
        security = @SecurityRequirement(name = "bearer"))
@SecurityScheme(name = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer")
@Controller
public class OpenApiController {
    /** Where the generated document lies on the class path. */
    static final String DOCUMENT = "classpath:META-INF/swagger/comq-service-v1.yml";
    static final MediaType YAML = MediaType.of("application/yaml");

    private final ResourceResolver resources;

    OpenApiController(ResourceResolver resources) {
        this.resources = resources;
    }

    @Get("/openapi.yml")
    @Produces("application/yaml")
    @Operation(summary = "This API's OpenAPI document", security = {})
    HttpResponse<byte[]> document() throws IOException {
        Optional<InputStream> in = resources.getResourceAsStream(DOCUMENT);
        if (in.isEmpty()) {
            return HttpResponse.notFound();
        }
        try (InputStream s = in.get()) {
            return HttpResponse.ok(s.readAllBytes()).contentType(YAML);
        }
    }
}
