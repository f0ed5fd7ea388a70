package io.comq.webhook;

import io.comq.job.JobRunner;
import io.micronaut.context.annotation.Bean;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Sends signed JSON deliveries with bounded retries. {@link #send} returns at once; attempts run on this sender's own
 * few threads, and a delivery waiting for its next attempt holds none of them.
 *
 * <p>Every attempt carries {@code Content-Type: application/json}, the delivery id (the same on every attempt), the
 * Unix time it was signed at and, when a secret is configured, the signature (see {@link WebhookSignature}). A 2xx
 * answer delivers; a network error, 408, 429 or 5xx is retried after {@code initialBackoff}, doubling up to
 * {@code maxBackoff} (or the server's {@code Retry-After}, within the same cap); any other answer, or
 * {@code maxAttempts} failures, gives the delivery up with a warning in the log. Redirects are not followed.
 */
@Singleton
@Bean(preDestroy = "close")
public class WebhookSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookSender.class);

    private final WebhookSettings settings;
    private final byte[] secret;
    private final Clock clock;
    private final HttpClient http;
    private final ScheduledThreadPoolExecutor executor;

    /**
     * What became of a delivery.
     *
     * @param deliveryId its id ({@code X-Comq-Delivery})
     * @param delivered  whether a 2xx answer came
     * @param attempts   attempts made
     * @param lastStatus the last HTTP status, or 0 if the last attempt got none
     * @param lastError  why the last attempt failed, or null
     */
    public record Outcome(String deliveryId, boolean delivered, int attempts, int lastStatus, String lastError) {
    }

    public WebhookSender(WebhookSettings settings) {
        this(settings, Clock.systemUTC());
    }

    WebhookSender(WebhookSettings settings, Clock clock) {
        this.settings = settings;
        this.secret = settings.secretBytes();
        this.clock = clock;
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(settings.threads(), r -> {
            Thread t = Executors.defaultThreadFactory().newThread(r);
            t.setName("comq-webhook-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        if (secret == null) {
            LOG.warn("webhooks will be sent unsigned: set comq.webhook.secret or comq.webhook.secret-file so receivers "
                    + "can check the {} header", WebhookSignature.SIGNATURE_HEADER);
        }
    }

    /** Whether deliveries are signed. */
    public boolean signs() {
        return secret != null;
    }

    /**
     * Queues the delivery of {@code body} to {@code url}.
     *
     * @param subject what the delivery is about: a job id, put in the log lines of its attempts (MDC {@code job})
     * @throws IllegalArgumentException if {@code url} is not an absolute http or https URL
     */
    public CompletableFuture<Outcome> send(String subject, URI url, byte[] body) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("a webhook URL must be an absolute http or https URL: " + url);
        }
        Delivery d = new Delivery(subject, url, body.clone(), UUID.randomUUID().toString());
        executor.execute(() -> attempt(d));
        return d.result;
    }

    private void attempt(Delivery d) {
        MDC.put(JobRunner.MDC_JOB, d.subject);
        try {
            attemptOnce(d);
        } finally {
            MDC.remove(JobRunner.MDC_JOB);
        }
    }

    private void attemptOnce(Delivery d) {
        int n = ++d.attempts;
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest.Builder request = HttpRequest.newBuilder(d.url)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "comq-service")
                .header(WebhookSignature.DELIVERY_HEADER, d.id)
                .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .POST(HttpRequest.BodyPublishers.ofByteArray(d.body));
        if (secret != null) {
            request.header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(secret, timestamp, d.body));
        }
        Duration retryAfter = null;
        try {
            HttpResponse<Void> response = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            d.lastStatus = response.statusCode();
            d.lastError = null;
            if (d.lastStatus / 100 == 2) {
                LOG.info("webhook for {} delivered to {} (attempt {}, status {})", d.subject, d.url, n, d.lastStatus);
                d.result.complete(new Outcome(d.id, true, n, d.lastStatus, null));
                return;
            }
            d.lastError = "status " + d.lastStatus;
            if (!(d.lastStatus == 408 || d.lastStatus == 429 || d.lastStatus >= 500)) {
                giveUp(d, "the receiver refused it");
                return;
            }
            retryAfter = response.headers().firstValue("Retry-After").flatMap(WebhookSender::seconds).orElse(null);
        } catch (IOException e) {
            d.lastStatus = 0;
            d.lastError = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d.lastStatus = 0;
            d.lastError = "interrupted (the service is stopping)";
            giveUp(d, "the service is stopping");
            return;
        } catch (RuntimeException e) {
            d.lastStatus = 0;
            d.lastError = e.toString();
            giveUp(d, "it cannot be sent");
            return;
        }
        if (n >= settings.maxAttempts()) {
            giveUp(d, "no attempt succeeded");
            return;
        }
        Duration wait = backoff(n);
        if (retryAfter != null) {
            wait = retryAfter.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : retryAfter;
        }
        LOG.info("webhook for {} to {} failed (attempt {}/{}: {}); next attempt in {} ms", d.subject, d.url, n,
                settings.maxAttempts(), d.lastError, wait.toMillis());
        try {
            executor.schedule(() -> attempt(d), wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            giveUp(d, "the service is stopping");
        }
    }

    /** The wait after failed attempt {@code n} (1-based): initial * 2^(n-1), at most maxBackoff. */
    Duration backoff(int n) {
        Duration wait = settings.initialBackoff();
        for (int i = 1; i < n && wait.compareTo(settings.maxBackoff()) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait;
    }

    private void giveUp(Delivery d, String why) {
        LOG.warn("webhook for {} to {} given up after {} attempt(s): {} (last: {})", d.subject, d.url, d.attempts, why,
                d.lastError);
        d.result.complete(new Outcome(d.id, false, d.attempts, d.lastStatus, d.lastError));
    }

    private static Optional<Duration> seconds(String retryAfter) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(retryAfter.trim()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Stops sending: attempts under way finish (within the timeout), deliveries waiting for a retry are dropped. */
    @Override
    public void close() {
        int waiting = executor.getQueue().size();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("webhook attempts still running at shutdown were abandoned");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (waiting > 0) {
            LOG.warn("{} webhook deliveries waiting for a retry were dropped at shutdown", waiting);
        }
    }

    /** One delivery's mutable state; touched by one attempt at a time. */
    private static final class Delivery {
        final String subject;
        final URI url;
        final byte[] body;
        final String id;
        final CompletableFuture<Outcome> result = new CompletableFuture<>();
        volatile int attempts;
        volatile int lastStatus;
        volatile String lastError;

        Delivery(String subject, URI url, byte[] body, String id) {
            this.subject = subject;
            this.url = url;
            this.body = body;
            this.id = id;
        }
    }
}
