/**
 * The TornadoVM backend of {@link io.comq.kernel.QuantKernel}: Gram accumulation, greedy order keys, the per-channel
 * COMQ sweep and the scale update as TornadoVM task graphs (OpenCL or PTX), registered as a
 * {@link io.comq.kernel.KernelProvider}. Kernels do no I/O. Built only with {@code -Ptornadovm}.
 */
package io.comq.kernel.tornado;
