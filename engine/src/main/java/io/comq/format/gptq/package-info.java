/**
 * The GPTQ checkpoint layout that AutoGPTQ, GPTQModel, transformers and vLLM load: {@link io.comq.format.gptq.GptqLayer}
 * packs one quantized layer ({@code qweight}, {@code qzeros}, {@code scales}, {@code g_idx}),
 * {@link io.comq.format.gptq.GptqPacking} is the bit packing, and {@link io.comq.format.gptq.GptqCheckpointWriter}
 * writes a whole quantized copy of a safetensors checkpoint with its {@code quantize_config.json}.
 *
 * <p>Conventions written: codes packed lowest bits first, 32 per {@code bits} int32 words; desc_act false (groups of
 * consecutive input rows, {@code g_idx[i] = i / group_size}); zero points {@code 2^(bits-1)} for symmetric grids and
 * {@code -lo} for asym-minmax; {@code qzeros} holds {@code zero - 1} for {@code checkpoint_format: gptq} (AutoGPTQ v1,
 * what transformers and vLLM read) and {@code zero} for {@code gptq_v2} (GPTQModel).
 */
package io.comq.format.gptq;
