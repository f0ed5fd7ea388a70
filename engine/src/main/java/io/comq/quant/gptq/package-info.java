/**
 * GPTQ (Frantar et al. 2022): input rows quantized one at a time with error feedback through the upper Cholesky factor
 * of {@code H^-1}, lazy block updates as GEMMs (OpenBLAS), damping, dead-input masking, optional act_order, and an RTN
 * fallback when no damping makes {@code H} factorizable. The same interface as the other methods: codes on a grid.
 */
package io.comq.quant.gptq;
