package io.comq.format.gptq;

import io.comq.tensor.Float16;
import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidInputException;
import io.comq.format.safetensors.DType;
import io.comq.tensor.Float16;
import io.comq.format.safetensors.SafetensorsCheckpoint;
import io.comq.format.safetensors.Tensor;
import io.comq.format.safetensors.TensorInfo;
import io.comq.layer.LayerResult;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One linear layer in the GPTQ checkpoint layout that AutoGPTQ, GPTQModel, transformers and vLLM load.
 *
 * <ul>
 *   <li>{@code qweight}: int32 {@code (in/32*bits, out)}, unsigned codes {@code q = z + zero} packed along the input
 *   dimension ({@link GptqPacking}).</li>
 *   <li>{@code qzeros}: int32 {@code (groups, out/32*bits)}, {@code zero - format.zeroOffset()} packed along the output
 *   dimension.</li>
 *   <li>{@code scales}: float16 {@code (groups, out)}.</li>
 *   <li>{@code g_idx}: int32 {@code (in,)}, {@code i / groupSize} (desc_act is always false: groups are consecutive
 *   input rows in the original order).</li>
 * </ul>
 *
 * <p>Zero points: {@code 2^(bits-1)} for the symmetric grids (the value sym=true kernels such as Marlin and ExLlama
 * assume whatever qzeros says; for sym-maxabs it equals {@code -lo}), {@code -lo} for asym-minmax. Dequantization is
 * {@code w = scale * (q - zero)}, which gives back the signed codes {@code z} exactly.
 *
 * @param in        input features
 * @param out       output features
 * @param bits      2, 3, 4 or 8
 * @param groupSize rows per group, or -1 for one group per output channel
 * @param format    how zero points are stored
 * @param qweight   packed codes, row-major {@code (in/32*bits, out)}
 * @param qzeros    packed stored zero points, row-major {@code (groups, out/32*bits)}
 * @param scales    float16 bits of the scales, row-major {@code (groups, out)}
 * @param gIdx      group of every input row
 */
public record GptqLayer(int in, int out, int bits, int groupSize, GptqFormat format, int[] qweight, int[] qzeros,
                        short[] scales, int[] gIdx) {

    /** Code widths the GPTQ kernels implement. */
    public static boolean supportedBits(int bits) {
        return bits == 2 || bits == 3 || bits == 4 || bits == 8;
    }

    /** Number of groups along the input dimension. */
    public int groups() {
        return scales.length / out;
    }

    /** Input rows per group. */
    public int rowsPerGroup() {
        return groupSize < 0 ? in : groupSize;
    }

    /**
     * Checks that a layer of this shape and grid can be stored at all (before any packing).
     *
     * @throws InvalidConfigException naming the layer and the fix
     */
    public static void checkShape(String name, int in, int out, int bits) {
        if (!supportedBits(bits)) {
            throw new InvalidConfigException("layer " + name + ": GPTQ checkpoints hold 2, 3, 4 or 8-bit codes, not "
                    + bits + "; quantize with one of those widths");
        }
        if (in % 32 != 0 || out % 32 != 0) {
            throw new InvalidConfigException("layer " + name + " is (in " + in + ", out " + out + "); the GPTQ layout "
                    + "packs 32 codes per " + bits + " int32 words along both dimensions, so both must be multiples of 32;"
                    + " exclude this layer");
        }
    }

    /**
     * Packs a quantized layer.
     *
     * @throws InvalidConfigException if the layer cannot be stored in this format (bits, shape, a zero point the format
     *                                cannot hold, a scale outside float16)
     */
    public static GptqLayer pack(String name, LayerResult r, GptqFormat format) {
        int bits = r.grid().bits();
        checkShape(name, r.in(), r.out(), bits);
        int groups = r.scales().rows();
        int rows = r.in() / groups;
        int maxq = (1 << bits) - 1;
        boolean sym = r.grid().grid().symmetric();
        int[] zero = new int[groups * r.out()];
        int[] stored = new int[zero.length];
        short[] scales = new short[zero.length];
        for (int g = 0; g < groups; g++) {
            for (int j = 0; j < r.out(); j++) {
                int k = g * r.out() + j;
                zero[k] = sym ? 1 << (bits - 1) : -r.lo()[k];
                stored[k] = zero[k] - format.zeroOffset();
                if (stored[k] < 0 || stored[k] > maxq) {
                    throw new InvalidConfigException("layer " + name + ", output channel " + j + ", group " + g
                            + ": zero point " + zero[k] + " cannot be stored in checkpoint_format " + format.id()
                            + " (which holds " + format.zeroOffset() + ".." + (maxq + format.zeroOffset()) + ")"
                            + (format == GptqFormat.GPTQ && zero[k] == 0 ? "; write checkpoint_format gptq_v2, or use a"
                            + " symmetric grid" : "; use a symmetric grid"));
                }
                double s = r.scales().data()[k];
                scales[k] = Float16.fromDouble(s);
                double h = Float16.toFloat(scales[k]);
                if (!Double.isFinite(h) || (h == 0 && s != 0)) {
                    throw new InvalidConfigException("layer " + name + ", output channel " + j + ", group " + g
                            + ": scale " + s + " is outside the float16 range of GPTQ scales");
                }
            }
        }
        int[] q = new int[r.codes().length];
        for (int i = 0; i < r.in(); i++) {
            int g = i / rows;
            for (int j = 0; j < r.out(); j++) {
                int v = r.codes()[i * r.out() + j] + zero[g * r.out() + j];
                if (v < 0 || v > maxq) {
                    throw new InvalidConfigException("layer " + name + ": code " + r.codes()[i * r.out() + j] + " at ("
                            + i + ", " + j + ") does not fit " + bits + " bits around zero point " + zero[g * r.out() + j]);
                }
                q[i * r.out() + j] = v;
            }
        }
        int[] gIdx = new int[r.in()];
        for (int i = 0; i < gIdx.length; i++) {
            gIdx[i] = i / rows;
        }
        int groupSize = r.grid().groupSize() == 0 ? -1 : rows;
        return new GptqLayer(r.in(), r.out(), bits, groupSize, format, GptqPacking.packRows(q, r.in(), r.out(), bits),
                GptqPacking.packCols(stored, groups, r.out(), bits), scales, gIdx);
    }

    /** The unsigned codes {@code q}, row-major {@code (in, out)}. */
    public int[] unsignedCodes() {
        return GptqPacking.unpackRows(qweight, in, out, bits);
    }

    /** The zero points as the loaders see them (stored value plus the format's offset), row-major {@code (groups, out)}. */
    public int[] zeroPoints() {
        int[] z = GptqPacking.unpackCols(qzeros, groups(), out, bits);
        for (int k = 0; k < z.length; k++) {
            z[k] += format.zeroOffset();
        }
        return z;
    }

    /** The signed codes {@code q - zero}, row-major {@code (in, out)}. */
    public int[] codes() {
        int[] q = unsignedCodes();
        int[] z = zeroPoints();
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                q[i * out + j] -= z[gIdx[i] * out + j];
            }
        }
        return q;
    }

    /**
     * The dequantized weight {@code scale * (q - zero)}, row-major {@code (in, out)}, as a loader computes it from
     * these tensors (exact: a float16 scale times a code of at most 9 bits fits a float32).
     */
    public float[] dequantize() {
        int[] z = codes();
        float[] w = new float[z.length];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < out; j++) {
                w[i * out + j] = Float16.toFloat(scales[gIdx[i] * out + j]) * z[i * out + j];
            }
        }
        return w;
    }

    /** The four tensors under {@code prefix}: {@code qweight}, {@code qzeros}, {@code scales}, {@code g_idx}. */
    public Map<String, Tensor> tensors(String prefix) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put(prefix + ".qweight", Tensor.i32(new int[] {in / 32 * bits, out}, qweight));
        m.put(prefix + ".qzeros", Tensor.i32(new int[] {groups(), out / 32 * bits}, qzeros));
        m.put(prefix + ".scales", Tensor.f16(new int[] {groups(), out}, scales));
        m.put(prefix + ".g_idx", Tensor.i32(new int[] {in}, gIdx));
        return m;
    }

    /**
     * Reads the layer under {@code prefix} back from a GPTQ checkpoint.
     *
     * @throws InvalidInputException if a tensor is missing or has the wrong dtype or shape
     */
    public static GptqLayer read(SafetensorsCheckpoint ck, String prefix, int bits, GptqFormat format) {
        TensorInfo qw = expect(ck, prefix + ".qweight", DType.I32);
        TensorInfo sc = expect(ck, prefix + ".scales", DType.F16);
        int out = qw.dim(1);
        int in = qw.dim(0) * 32 / bits;
        int groups = sc.dim(0);
        expect(ck, prefix + ".qzeros", DType.I32);
        expect(ck, prefix + ".g_idx", DType.I32);
        int[] qweight = (int[]) ck.read(prefix + ".qweight").data();
        int[] qzeros = (int[]) ck.read(prefix + ".qzeros").data();
        short[] scales = (short[]) ck.read(prefix + ".scales").data();
        int[] gIdx = (int[]) ck.read(prefix + ".g_idx").data();
        if (sc.dim(1) != out || qzeros.length != groups * (out / 32 * bits) || gIdx.length != in) {
            throw new InvalidInputException("GPTQ layer " + prefix + ": qweight " + Arrays.toString(qw.shape())
                    + ", scales " + Arrays.toString(sc.shape()) + ", g_idx of " + gIdx.length
                    + " do not fit together at " + bits + " bits");
        }
        int groupSize = groups == 1 ? -1 : in / groups;
        return new GptqLayer(in, out, bits, groupSize, format, qweight, qzeros, scales, gIdx);
    }

    private static TensorInfo expect(SafetensorsCheckpoint ck, String name, DType dtype) {
        TensorInfo t = ck.info(name);
        if (t.dtype() != dtype || (t.ndim() != 2 && !name.endsWith(".g_idx"))) {
            throw new InvalidInputException("GPTQ tensor " + name + " is " + t.dtype().id() + Arrays.toString(t.shape())
                    + ", expected a " + dtype.id() + " matrix");
        }
        return t;
    }
}
