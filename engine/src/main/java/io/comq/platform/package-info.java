/**
 * Facts about the machine a run is on (CPU model and instruction sets, Java version, vector width), for {@code comq
 * info}, reports and error messages that must name where a result came from.
 */
package io.comq.platform;
