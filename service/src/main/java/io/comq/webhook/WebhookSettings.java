package io.comq.webhook;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How webhooks are sent ({@code comq.webhook.*}).
 *
 * @param secret         the HMAC key that signs every delivery; or
 * @param secretFile     a file holding it (a mounted secret), read once at startup, surrounding blanks trimmed
 * @param maxAttempts    attempts per delivery before it is given up (and logged)
 * @param initialBackoff the wait before the second attempt; each later wait doubles
 * @param maxBackoff     the longest wait between attempts
 * @param timeout        connect and response timeout of one attempt
 * @param threads        threads that send (deliveries waiting for a retry hold none)
 */
@ConfigurationProperties("comq.webhook")
public record WebhookSettings(
        @Nullable String secret,
        @Nullable Path secretFile,
        @Bindable(defaultValue = "6") int maxAttempts,
        @Bindable(defaultValue = "1s") Duration initialBackoff,
        @Bindable(defaultValue = "60s") Duration maxBackoff,
        @Bindable(defaultValue = "10s") Duration timeout,
        @Bindable(defaultValue = "2") int threads) {

    public WebhookSettings {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("comq.webhook.max-attempts must be at least 1, not " + maxAttempts);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("comq.webhook.threads must be at least 1, not " + threads);
        }
    }

    /** The signing key, from {@code secret} or {@code secretFile}; null if neither is set. */
    @Nullable
    public byte[] secretBytes() {
        if (secret != null && !secret.isBlank()) {
            return secret.getBytes(StandardCharsets.UTF_8);
        }
        if (secretFile != null) {
            try {
                String s = Files.readString(secretFile, StandardCharsets.UTF_8).strip();
                if (s.isEmpty()) {
                    throw new IllegalStateException("the webhook secret file " + secretFile + " is empty");
                }
                return s.getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the webhook secret file comq.webhook.secret-file="
                        + secretFile + ": " + e.getMessage(), e);
            }
        }
        return null;
    }
}
