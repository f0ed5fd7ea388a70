/**
 * The service's process-wide pieces: its settings ({@code comq.*}) and the errors every part raises (not found,
 * conflict), mapped to HTTP at the edge.
 */
package io.comq.server;
