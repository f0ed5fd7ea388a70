/**
 * Problem details (RFC 9457), the body of every error the service answers: {@link io.comq.problem.Problem} and the
 * one place that builds responses, {@link io.comq.problem.Problems}. Shared by the API's handlers and the token filter.
 */
package io.comq.problem;
