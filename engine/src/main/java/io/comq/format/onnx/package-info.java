/**
 * ONNX models in and quantized ONNX models out.
 *
 * <p>{@link io.comq.format.onnx.OnnxModel} reads a {@code .onnx} file (initializers, {@code Constant} nodes,
 * {@code If}/{@code Loop} subgraphs, external data beside the model) and finds the layers the engine can quantize
 * ({@code MatMul}, {@code Gemm}, {@code Conv} with a constant weight) as {@link io.comq.format.onnx.OnnxLayer} records,
 * filtered by a {@link io.comq.format.onnx.LayerSelection}. {@link io.comq.format.onnx.OnnxWriter} writes the model
 * back with quantized weights, as {@code DequantizeLinear} (QDQ) nodes or as ONNX Runtime's
 * {@code com.microsoft.MatMulNBits}, through a registry from op type to rewrite handler whose default passes a node
 * through unchanged. Everything this package does not rewrite is carried over byte for byte.
 *
 * <p>External data: tensors are read one at a time at 64-bit offsets of their side files, memory-mapped from 16 MiB on
 * (a side file may exceed 2 GB; one tensor may not, if it is to be quantized); a written model over the threshold
 * keeps its tensors in one {@code <model>.data} file beside it, and tensors left in float are copied into it file to
 * file.
 * {@link io.comq.format.onnx.SubgraphOutputs} rewrites a model so that values inside {@code If}/{@code Loop}/{@code Scan}
 * bodies become main-graph outputs, for calibration.
 */
package io.comq.format.onnx;
