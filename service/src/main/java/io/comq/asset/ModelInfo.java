package io.comq.asset;

import io.comq.calibration.data.ModelInput;
import io.comq.error.InvalidModelException;
import io.comq.format.npy.NpyArray;
import io.micronaut.core.annotation.Introspected;
import io.micronaut.core.annotation.Nullable;
import java.util.ArrayList;
import java.util.List;

/**
 * What the engine found in an uploaded model.
 *
 * @param format {@code onnx} or {@code safetensors}
 * @param opset  the ONNX default-domain opset, or null for a checkpoint
 * @param layers the quantizable layers
 * @param inputs the model's inputs (ONNX; empty for a checkpoint)
 */
@Introspected
public record ModelInfo(String format, @Nullable Long opset, List<Layer> layers, List<Input> inputs) {

    /**
     * One quantizable layer.
     *
     * @param id          its id in the model (node name, or {@code OpType#index})
     * @param op          {@code MatMul}, {@code Gemm}, {@code Conv} or {@code Linear}
     * @param weight      the weight tensor's name
     * @param weightShape the stored weight's dimensions
     */
    @Introspected
    public record Layer(String id, String op, String weight, List<Long> weightShape) {
    }

    /**
     * One model input.
     *
     * @param name  its name
     * @param dtype its element type, as numpy names it ({@code float32}, {@code int64}...)
     * @param shape its dimensions, -1 where any size goes (the batch axis, a sequence)
     */
    @Introspected
    public record Input(String name, String dtype, List<Long> shape) {

        static Input of(ModelInput in) {
            List<Long> s = new ArrayList<>();
            for (long d : in.shape()) {
                s.add(d);
            }
            return new Input(in.name(), in.dtype().numpyName(), s);
        }

        /** The engine's view, to check a calibration set against. */
        public ModelInput toModelInput() {
            long[] s = new long[shape.size()];
            for (int k = 0; k < s.length; k++) {
                s[k] = shape.get(k);
            }
            for (NpyArray.DType d : NpyArray.DType.values()) {
                if (d.numpyName().equals(dtype)) {
                    return new ModelInput(name, d, s);
                }
            }
            throw new InvalidModelException("model input '" + name + "' has element type " + dtype
                    + ", which calibration sets cannot hold");
        }
    }

    /** The inputs as the engine sees them. */
    public List<ModelInput> modelInputs() {
        List<ModelInput> r = new ArrayList<>();
        for (Input in : inputs) {
            r.add(in.toModelInput());
        }
        return r;
    }
}
