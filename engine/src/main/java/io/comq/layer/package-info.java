/**
 * The engine's entry point for one layer: {@link io.comq.layer.LayerQuantizer} validates a
 * {@link io.comq.quant.LayerProblem} against a {@link io.comq.layer.LayerConfig}, runs the method on a kernel and the
 * checked math, and measures the result ({@link io.comq.layer.LayerResult}). Whole models go through
 * {@code io.comq.pipeline}, which calls this package per layer.
 */
package io.comq.layer;
