/**
 * The HTTP API under {@code /v1}: thin controllers over the asset and job services, their JSON views, and the
 * mapping of typed errors to RFC 7807 problem details. Nothing here quantizes: uploads stream to storage and jobs go
 * to the worker pool.
 */
package io.comq.api;
