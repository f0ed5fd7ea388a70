/**
 * Calibration sets: {@link io.comq.calibration.data.CalibrationSet} holds one array per model input with the samples on
 * the first axis, read from {@code .npz} or single-file safetensors (a small reader private to this package) and
 * checked against the model's inputs ({@link io.comq.calibration.data.ModelInput}) before any work starts;
 * {@link io.comq.calibration.data.CalibrationSplit} splits it deterministically into fit and validation parts.
 */
package io.comq.calibration.data;
