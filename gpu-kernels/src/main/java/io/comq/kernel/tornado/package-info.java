/**
 * The TornadoVM backend of {@link io.comq.kernel.QuantKernel} ({@code tornadovm}): Gram accumulation, greedy order keys
 * and ranks, the per-channel COMQ sweep (one work-group per output channel, its {@code G} column in local memory), the
 * scale update and the error evaluation as {@code KernelContext} kernels ({@link io.comq.kernel.tornado.ComqKernels}),
 * launched with the geometry of {@link io.comq.kernel.tornado.Launch} from execution plans kept per layer shape
 * ({@link io.comq.kernel.tornado.LayerPlan}); a layer's state stays on the device until
 * {@link io.comq.kernel.QuantKernel#release}. Registered as a {@link io.comq.kernel.KernelProvider}
 * ({@link io.comq.kernel.tornado.TornadoKernelProvider}) that reports itself unavailable unless the JVM runs under
 * TornadoVM's argfile with a device. Kernels do no I/O. Built only with {@code -Ptornadovm} (JDK 25).
 */
package io.comq.kernel.tornado;
