/**
 * CPU kernels: the scalar float64/float32 reference ({@code ScalarKernel}) and the fast float32 SIMD kernel
 * ({@link io.comq.kernel.cpu.SimdKernel}, {@code jdk.incubator.vector}, multi-threaded over output channels, with lazy
 * block updates in the COMQ sweep). Only {@code SimdKernel} and the {@code Simd*} helpers it uses touch the incubator
 * classes; {@link io.comq.kernel.cpu.SimdKernelProvider} loads it reflectively.
 */
package io.comq.kernel.cpu;
