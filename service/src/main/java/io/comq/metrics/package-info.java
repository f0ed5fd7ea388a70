/**
 * The service's own Prometheus metrics (served at {@code /prometheus}): jobs by state, queue length, time per
 * quantized layer, bytes stored. Read from the database and the progress events, never from request threads' work.
 */
package io.comq.metrics;
