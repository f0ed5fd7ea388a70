/**
 * Dense linear algebra the methods need beyond the COMQ kernel, done by OpenBLAS/LAPACK (the native library ND4J
 * ships, through its JavaCPP binding {@code org.bytedeco.openblas}) in the run's precision: the Cholesky factor of
 * {@code H^-1} for GPTQ, GPTQ's lazy block GEMM updates on a native weight buffer, and the objective
 * {@code tr(E^T H E)}.
 */
package io.comq.quant.linalg;
