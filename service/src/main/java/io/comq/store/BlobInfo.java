package io.comq.store;

import java.time.Instant;

/**
 * What the store knows of one complete blob.
 *
 * @param key     the blob's key: slash-separated segments of {@code [A-Za-z0-9._-]}, chosen by the service, never by a
 *                client's file name
 * @param size    its length in bytes
 * @param sha256  its SHA-256, lower-case hex
 * @param created when it became visible
 */
public record BlobInfo(String key, long size, String sha256, Instant created) {
}
