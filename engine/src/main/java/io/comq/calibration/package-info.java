/**
 * Calibration of a whole ONNX model: {@link io.comq.calibration.Calibrator} runs the model through ONNX Runtime
 * (optimizations off) over a {@link io.comq.calibration.data.CalibrationSet}, with the input of each
 * {@link io.comq.calibration.CalibrationTarget} exposed as an extra graph output ({@link
 * io.comq.calibration.GraphAugmenter}), and streams every batch into {@link io.comq.calibration.GramAccumulator}s:
 * {@code H = X^T X} (float64), the column sums behind the mean input row, and the sample count, per layer (per group
 * for a grouped conv), handed out as {@link io.comq.calibration.LayerStatistics}.
 *
 * <p>Rows of {@code X}: for MatMul/Gemm the activation {@code (..., in)} with leading dimensions flattened; for Conv the
 * im2col patches with the conv's stride, padding and dilation (one place: {@code Im2col}). Padding is not data: when the
 * model has an {@code attention_mask} input (configurable, {@link io.comq.calibration.CalibrationOptions#maskInput()}),
 * rows of padded token positions are left out of {@code H}, the mean row and the sample count, and each batch is cut
 * after its last real token. Only one batch of activations is held at a time, and targets are split into passes over
 * the data when their Gram matrices together exceed {@link io.comq.calibration.CalibrationOptions#maxGramBytes()}.
 *
 * <p>{@link io.comq.calibration.CalibrationPlan} turns the layers that ONNX discovery finds
 * ({@link io.comq.format.onnx.OnnxLayer}) into targets ({@link io.comq.calibration.CalibrationTargets}) and the model to
 * run: layers inside {@code If} branches and {@code Loop}/{@code Scan} bodies read their input through extra outputs
 * that carry it out to the main graph ({@link io.comq.format.onnx.SubgraphOutputs}). Conv {@code auto_pad}
 * ({@code SAME_UPPER}, {@code SAME_LOWER}, {@code VALID}) is resolved per input size as ONNX Runtime does. A model with
 * external data is run with the folder of its side files ({@link io.comq.calibration.OrtModels}), which are never
 * copied into memory by this package.
 */
package io.comq.calibration;
