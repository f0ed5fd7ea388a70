/**
 * Webhooks: when a job ends, its summary is POSTed as JSON to the URL the client gave, signed with HMAC-SHA256 over
 * {@code timestamp + "." + body} ({@code X-Comq-Signature: sha256=<hex>}, {@code X-Comq-Timestamp}), retried with
 * exponential backoff on network errors, 429 and 5xx, on a small executor of its own so no job worker ever waits.
 */
package io.comq.webhook;
