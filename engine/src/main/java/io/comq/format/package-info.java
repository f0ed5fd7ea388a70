/**
 * Tensor and checkpoint file formats, one package each ({@code npy}, {@code safetensors}, {@code gptq}), and the one
 * helper they share: {@link io.comq.format.AtomicFile}, which writes a file so that readers see the old file or the
 * whole new one, never a part.
 */
package io.comq.format;
