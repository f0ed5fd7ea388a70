/**
 * Where the service keeps its blobs: uploaded models, calibration sets and job artifacts. One interface,
 * {@link io.comq.store.BlobStore}, with a local-folder implementation (the embedded default) and an
 * S3-compatible one. A blob becomes visible only once it is complete; its SHA-256 is computed while it streams in.
 */
package io.comq.store;
