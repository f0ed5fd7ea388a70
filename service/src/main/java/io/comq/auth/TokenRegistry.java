package io.comq.auth;

import io.micronaut.context.annotation.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured tokens ({@code comq.auth.tokens}, {@code comq.auth.token-file}), kept as SHA-256 digests so that a lookup compares digests (no timing hint about a token's
 * prefix) and no token sits in memory in clear beyond start-up.
 */
@Context // built at startup: a bad token configuration stops the service from starting
public class TokenRegistry {

    private final Map<String, Tenant> byDigest = new HashMap<>();

    TokenRegistry(AuthSettings settings) {
        settings.getTokens().forEach(this::add);
        if (settings.getTokenFile() != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(settings.getTokenFile(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read comq.auth.token-file " + settings.getTokenFile() + ": "
                        + e.getMessage(), e);
            }
            int n = 0;
            for (String line : lines) {
                n++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] parts = t.split("\\s+");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("comq.auth.token-file " + settings.getTokenFile() + " line "
                            + n + ": expected '<token> <tenant>'");
                }
                add(parts[0], parts[1]);
            }
        }
    }

    private void add(String token, String tenant) {
        if (token.length() < 16) {
            throw new IllegalArgumentException("the API token of tenant '" + tenant + "' is shorter than 16 "
                    + "characters; use a long random token");
        }
        if (tenant == null || tenant.isBlank() || tenant.length() > 200) {
            throw new IllegalArgumentException("an API token needs a tenant name of 1 to 200 characters");
        }
        byDigest.put(digest(token), new Tenant(tenant));
    }

    /** Whether any token is configured. */
    public boolean isEmpty() {
        return byDigest.isEmpty();
    }

    /** The tenant of {@code token}, if it is a configured token. */
    public Optional<Tenant> tenant(String token) {
        return Optional.ofNullable(byDigest.get(digest(token)));
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
