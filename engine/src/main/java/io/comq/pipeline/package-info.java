/**
 * The whole-model pipeline: {@link io.comq.pipeline.ModelQuantizer} takes a validated
 * {@link io.comq.pipeline.ModelJob} from model and calibration data to a quantized artifact with its report.
 *
 * <p>ONNX: load and discover the layers, check the calibration set against the model's inputs before any work, split it
 * by sample into a fit and a held-out part, calibrate on the fit part and quantize each layer in the calibration sink
 * as soon as its Gram matrix is ready (Gram matrices are never all held at once), write the model (QDQ or
 * MatMulNBits), run the written model and the float model in ONNX Runtime ({@code BASIC_OPT}) on the held-out samples
 * for the output drift, and write {@code report.json} and {@code report.html}. Safetensors: weight-only, with Gram
 * matrices supplied ({@code GramDir}), written as a GPTQ checkpoint. Everything is written into a temporary sibling
 * folder that is moved into place at the end, so a failed run leaves nothing behind.
 *
 * <p>Sharding and resuming (ONNX): {@link io.comq.pipeline.Sharding} splits the layers into cost-balanced shards;
 * each shard calibrates and quantizes only its layers into a shared {@link io.comq.pipeline.LayerResultStore}, and
 * {@link io.comq.pipeline.Assembler} writes the model from all of them, byte for byte what a single run writes. The same
 * store is a single run's resume checkpoint.
 * <p>Accuracy ({@link io.comq.pipeline.AccuracyOptions}): {@code LayerCalibration} produces every layer's Gram matrices
 * on the fit and held-out parts, in parallel (float model, one pass) or sequentially (the model with the earlier layers
 * already quantized, one pass per stage); {@code MethodSelector} quantizes a layer and, for
 * {@link io.comq.quant.method.AutoConfig}, keeps the candidate with the lowest held-out error; {@code MixedPrecision} measures
 * each layer's sensitivity ({@code Sensitivity}) and chooses its bits ({@code BitAllocator}); {@code AccuracyReports}
 * writes held-out errors, method choices, warnings and the worst held-out samples into the report.
 */
package io.comq.pipeline;
