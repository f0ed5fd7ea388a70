/**
 * Dense linear algebra the methods need beyond the COMQ kernel: the Cholesky factor of {@code H^-1} for GPTQ, GPTQ's
 * lazy block GEMM updates, the corrected calibration's symmetric solve and the objective {@code tr(E^T H E)}.
 *
 * <p>{@link io.comq.quant.linalg.DenseMath} has two implementations, OpenBLAS/LAPACK through JavaCPP
 * ({@link io.comq.quant.linalg.OpenBlasMath}) and plain Java ({@link io.comq.quant.linalg.JavaMath}).
 * {@link io.comq.quant.linalg.Linalg} decides which one a process uses: OpenBLAS only after it agreed with plain Java
 * in {@link io.comq.quant.linalg.SelfTest} on this CPU, and only while the residual checks of its results hold.
 */
package io.comq.quant.linalg;
