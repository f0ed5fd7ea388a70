/**
 * Typed errors of the engine. {@link io.comq.error.InvalidInputException} and its subtypes are the user's to fix
 * (exit code 2, HTTP 4xx); anything else escaping the engine is an internal error (exit code 1, HTTP 500).
 */
package io.comq.error;
