/**
 * The safetensors format: {@link io.comq.format.safetensors.SafetensorsFile} reads one file (validated header,
 * memory-mapped tensors), {@link io.comq.format.safetensors.SafetensorsCheckpoint} a single file or a sharded
 * checkpoint with its {@code model.safetensors.index.json}, {@link io.comq.format.safetensors.SafetensorsWriter} writes
 * atomically with an 8-byte-aligned header. {@link io.comq.format.safetensors.LinearLayers} finds the linear layers of
 * an LLM checkpoint and {@link io.comq.format.safetensors.GramDir} their precomputed Gram matrices.
 *
 * <p>Malformed files are refused with an {@link io.comq.error.InvalidTensorFileException} naming the file and the
 * problem.
 */
package io.comq.format.safetensors;
