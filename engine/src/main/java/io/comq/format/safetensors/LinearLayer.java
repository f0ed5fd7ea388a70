package io.comq.format.safetensors;

import io.comq.tensor.Matrix;

/**
 * A linear layer found in a safetensors checkpoint: its weight is stored as PyTorch's {@code nn.Linear} does,
 * {@code (out, in)}, under {@code prefix + ".weight"}.
 *
 * @param tensor the weight tensor's name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param prefix the module name, {@code tensor} without {@code .weight}
 * @param in     input features (the stored tensor's second dimension)
 * @param out    output features (its first dimension)
 * @param dtype  stored element type
 * @param bias   name of the bias tensor if the checkpoint has one ({@code prefix.bias}), else {@code null}
 */
public record LinearLayer(String tensor, String prefix, int in, int out, DType dtype, String bias) {

    /** Number of weights. */
    public long parameters() {
        return (long) in * out;
    }

    /**
     * Reads the weight as this project's {@code W (in, out)}: the transpose of the stored {@code (out, in)}, in float32
     * (F64 weights are rounded to float32).
     */
    public Matrix.F32 weight(SafetensorsCheckpoint checkpoint) {
        float[] stored = checkpoint.read(tensor).toFloats();
        float[] w = new float[stored.length];
        for (int o = 0; o < out; o++) {
            int row = o * in;
            for (int i = 0; i < in; i++) {
                w[i * out + o] = stored[row + i];
            }
        }
        return new Matrix.F32(in, out, w);
    }
}
