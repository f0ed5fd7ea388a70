/**
 * The arithmetic vocabulary every layer of the engine shares, kernels included: the precision of a run
 * ({@link io.comq.numeric.Precision}), the rule that rounds half-way values ({@link io.comq.numeric.TieRule}), and how
 * their names are parsed ({@link io.comq.numeric.Names}). Depends on nothing else in the project.
 */
package io.comq.numeric;
