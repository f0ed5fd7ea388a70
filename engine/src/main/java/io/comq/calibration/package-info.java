/**
 * Streaming calibration statistics: {@link io.comq.calibration.GramAccumulator} folds batches of layer inputs into
 * {@code H = X^T X} (float64), the column sums behind the mean input row, and the sample count, and turns them into a
 * {@link io.comq.quant.LayerProblem}.
 */
package io.comq.calibration;
