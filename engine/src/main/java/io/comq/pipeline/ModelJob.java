package io.comq.pipeline;

import io.comq.error.InvalidConfigException;
import io.comq.format.onnx.LayerSelection;
import io.comq.kernel.KernelOptions;
import io.comq.layer.LayerConfig;
import io.comq.option.Setting;
import java.nio.file.Path;

/**
 * One whole-model quantization, validated: what to read, what to write, and how to quantize every layer.
 *
 * @param model              an ONNX model file, or a safetensors checkpoint (file or folder) for
 *                           {@link OutputFormat#SAFETENSORS}
 * @param calibration        the calibration set (.npz or safetensors, one array per model input); ONNX only
 * @param gramDir            the folder of precomputed Gram matrices; safetensors only
 * @param out                the output folder: must not exist, be empty, or {@code force} must be set
 * @param format             what to write
 * @param layer              the template of every layer's settings (method, grid, bits, group size, bias
 *                           compensation); a layer's bits may be overridden by {@code selection}
 * @param selection          which layers to quantize, and per-layer bits
 * @param batchSize          calibration and evaluation samples per ONNX Runtime run
 * @param validationFraction share of the calibration samples held out for the drift evaluation, in {@code [0, 1)}
 * @param seed               seed of the fit/validation split
 * @param kernel             the kernel that runs the sweeps and accumulates the Gram matrices
 * @param force              replace an existing non-empty output folder
 * @param accuracy           calibration mode and held-out reporting (ONNX)
 */
public record ModelJob(Path model, Path calibration, Path gramDir, Path out, OutputFormat format, LayerConfig layer,
                       LayerSelection selection, int batchSize, double validationFraction, long seed,
                       KernelOptions kernel, boolean force, AccuracyOptions accuracy) {

    /** The default share of held-out samples. */
    public static final double DEFAULT_VALIDATION_FRACTION = 0.2;

    /** A job with the default accuracy settings. */
    public ModelJob(Path model, Path calibration, Path gramDir, Path out, OutputFormat format, LayerConfig layer,
                    LayerSelection selection, int batchSize, double validationFraction, long seed,
                    KernelOptions kernel, boolean force) {
        this(model, calibration, gramDir, out, format, layer, selection, batchSize, validationFraction, seed, kernel,
                force, AccuracyOptions.defaults());
    }

    /** This job with other accuracy settings. */
    public ModelJob withAccuracy(AccuracyOptions a) {
        return new ModelJob(model, calibration, gramDir, out, format, layer, selection, batchSize, validationFraction,
                seed, kernel, force, a);
    }

    public ModelJob {
        if (model == null) {
            throw new InvalidConfigException("a model is required");
        }
        if (out == null) {
            throw new InvalidConfigException("an output folder is required");
        }
        if (format == null) {
            throw new InvalidConfigException("an output format is required: qdq, matmulnbits or safetensors");
        }
        if (layer == null) {
            throw new InvalidConfigException("layer settings are required");
        }
        selection = selection == null ? LayerSelection.all() : selection;
        kernel = kernel == null ? KernelOptions.auto() : kernel;
        accuracy = accuracy == null ? AccuracyOptions.defaults() : accuracy;
        if (batchSize <= 0) {
            throw new InvalidConfigException("the batch size (" + Setting.BATCH_SIZE.ref() + ") must be positive, got "
                    + batchSize);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new InvalidConfigException("the validation fraction (" + Setting.VALIDATION_FRACTION.ref()
                    + ") must be in [0, 1), got " + validationFraction);
        }
        if (accuracy.mixedPrecision() && !selection.bitOverrides().isEmpty()) {
            throw new InvalidConfigException(Setting.AVG_BITS.ref() + " chooses every layer's bits; drop "
                    + Setting.LAYER_BITS.ref() + " or " + Setting.AVG_BITS.ref());
        }
        if (accuracy.mixedPrecision() && validationFraction == 0) {
            throw new InvalidConfigException("mixed precision (" + Setting.AVG_BITS.ref()
                    + ") measures each layer's effect on held-out "
                    + "samples: set " + Setting.VALIDATION_FRACTION.ref() + " above 0");
        }
        if (accuracy.mixedPrecision() && !format.isOnnx()) {
            throw new InvalidConfigException(Setting.AVG_BITS.ref()
                    + " measures each layer's effect by running the model: ONNX only");
        }
        if (format.isOnnx()) {
            if (calibration == null) {
                throw new InvalidConfigException("an ONNX model needs a calibration set ("
                        + Setting.CALIBRATION.ref() + ")");
            }
            if (gramDir != null) {
                throw new InvalidConfigException(Setting.GRAM_DIR.ref() + " is for safetensors checkpoints ("
                        + Setting.FORMAT.ref() + " safetensors); "
                        + "an ONNX model is calibrated from " + Setting.CALIBRATION.ref());
            }
        } else {
            if (gramDir == null) {
                throw new InvalidConfigException(Setting.FORMAT.ref()
                        + " safetensors quantizes weights only and needs the Gram "
                        + "matrices (" + Setting.GRAM_DIR.ref() + ")");
            }
            if (calibration != null) {
                throw new InvalidConfigException(Setting.FORMAT.ref() + " safetensors takes Gram matrices ("
                        + Setting.GRAM_DIR.ref() + "), not a "
                        + "calibration set");
            }
            if (layer.method() instanceof io.comq.quant.method.AutoConfig) {
                throw new InvalidConfigException(Setting.METHOD.ref()
                        + " auto chooses by the error on held-out calibration data, "
                        + "which a Gram folder does not have; pick rtn, gptq or comq for " + Setting.FORMAT.ref()
                        + " safetensors");
            }
            if (layer.biasCompensation()) {
                throw new InvalidConfigException("bias correction needs the mean input rows, which a Gram folder does "
                        + "not hold; drop " + Setting.BIAS_CORRECTION.ref() + " for " + Setting.FORMAT.ref()
                        + " safetensors");
            }
            if (!selection.opTypes().isEmpty()) {
                throw new InvalidConfigException("op types (" + Setting.EXCLUDE_OPS.ref()
                        + ") apply to ONNX models; a safetensors "
                        + "checkpoint has linear layers only");
            }
        }
    }
}
