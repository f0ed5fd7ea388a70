package io.comq.auth;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * API tokens ({@code comq.auth.*}): {@code tokens} maps a bearer token to its tenant; {@code token-file} names a file
 * of lines {@code <token> <tenant>} (blank lines and {@code #} comments ignored), for tokens kept in a secret. Both may
 * be given. With neither, every API call is refused: only health is open.
 */
@ConfigurationProperties("comq.auth")
public class AuthSettings {

    private Map<String, String> tokens = new LinkedHashMap<>();
    private Path tokenFile;

    public Map<String, String> getTokens() {
        return tokens;
    }

    public void setTokens(Map<String, String> tokens) {
        this.tokens = tokens == null ? new LinkedHashMap<>() : tokens;
    }

    @Nullable
    public Path getTokenFile() {
        return tokenFile;
    }

    public void setTokenFile(@Nullable Path tokenFile) {
        this.tokenFile = tokenFile;
    }
}
