/**
 * The service's own readiness checks, beside Micronaut's: a replica whose native math failed its self-test under
 * {@code COMQ_MATH=native} is not ready and takes no jobs.
 */
package io.comq.health;
