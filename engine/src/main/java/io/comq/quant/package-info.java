/**
 * The quantization problem and the vocabulary of its answer, shared by every method: grids
 * ({@link io.comq.quant.Grid}, {@link io.comq.quant.GridSpec}, {@link io.comq.quant.QuantGrid}), a layer's inputs
 * ({@link io.comq.quant.LayerProblem}), a method's raw result ({@link io.comq.quant.Quantized}) and progress. The
 * methods' configs are in {@code quant.method}, their algorithms in {@code quant.rtn}, {@code quant.gptq} and
 * {@code quant.comq}, the dense math in {@code quant.linalg}; the entry point for a layer is {@code io.comq.layer}.
 */
package io.comq.quant;
