/**
 * COMQ (arXiv 2403.07134): coordinate-wise minimisation of {@code tr((Wq-W)^T H (Wq-W))}, greedy or cyclic sweeps
 * started from full precision, RTN or GPTQ, with an optional least-squares scale update after each sweep. The driver
 * here builds the kernel state and sequences the {@link io.comq.kernel.QuantKernel} operations; the arithmetic is the
 * kernel's.
 */
package io.comq.quant.comq;
