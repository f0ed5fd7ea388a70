/**
 * The kernel interface ({@link io.comq.kernel.QuantKernel}): Gram accumulation, greedy order, COMQ sweep, scale update
 * and residual errors over channel-major state ({@link io.comq.kernel.SweepState}, laid out by
 * {@link io.comq.kernel.Layout}). {@link io.comq.kernel.Kernels} picks a backend once: a registered provider such as
 * TornadoVM, then the SIMD CPU kernel, then the scalar reference.
 */
package io.comq.kernel;
