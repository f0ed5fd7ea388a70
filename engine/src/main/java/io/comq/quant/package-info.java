/**
 * The quantization problem and its answer: grids ({@link io.comq.quant.GridSpec}, {@link io.comq.quant.QuantGrid}),
 * a layer's inputs ({@link io.comq.quant.LayerProblem}) and result ({@link io.comq.quant.LayerResult}), and the one
 * public entry point {@link io.comq.quant.LayerQuantizer}, which dispatches to the methods in {@code rtn}, {@code gptq}
 * and {@code comq} and measures every result with the same {@link io.comq.quant.linalg.Objective}.
 */
package io.comq.quant;
