package io.comq.calibration.data;

import io.comq.format.safetensors.SafetensorsFile;
import io.comq.format.safetensors.Tensor;
import io.comq.error.CalibrationMismatchException;
import io.comq.error.InvalidInputException;
import io.comq.error.InvalidTensorFileException;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calibration data: one array per model input, the samples on the first axis, all arrays with the same number of
 * samples and only finite floats. Immutable; {@link #batch} and {@link #select} copy.
 */
public final class CalibrationSet {

    private final Map<String, NpyArray> arrays;
    private final int samples;

    private CalibrationSet(Map<String, NpyArray> arrays, int samples) {
        this.arrays = arrays;
        this.samples = samples;
    }

    /**
     * A set of these arrays, checked: at least one array, each with a sample axis, all with the same number of samples,
     * no NaN or infinity.
     *
     * @throws CalibrationMismatchException naming the array that breaks a rule
     */
    public static CalibrationSet of(Map<String, NpyArray> arrays) {
        if (arrays.isEmpty()) {
            throw new CalibrationMismatchException("the calibration set holds no arrays");
        }
        String first = null;
        int n = -1;
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
            NpyArray a = e.getValue();
            if (a.ndim() == 0) {
                throw new CalibrationMismatchException("calibration array '" + e.getKey()
                        + "' is a scalar; every array needs the samples on its first axis");
            }
            if (first == null) {
                first = e.getKey();
                n = a.shape()[0];
            } else if (a.shape()[0] != n) {
                throw new CalibrationMismatchException("calibration arrays hold differing numbers of samples: '" + first
                        + "' has " + n + " (shape " + arrays.get(first).shapeString() + "), '" + e.getKey() + "' has "
                        + a.shape()[0] + " (shape " + a.shapeString() + ")");
            }
            checkFinite(e.getKey(), a);
        }
        if (n == 0) {
            throw new CalibrationMismatchException("the calibration set holds no samples");
        }
        return new CalibrationSet(Collections.unmodifiableMap(new LinkedHashMap<>(arrays)), n);
    }

    /**
     * Reads a set from {@code .npz} (stored or deflated) or single-file safetensors, told apart by their first bytes.
     *
     * @throws InvalidTensorFileException   if the file cannot be read
     * @throws CalibrationMismatchException if its arrays do not form a set (see {@link #of})
     */
    public static CalibrationSet read(Path file) {
        byte[] magic = new byte[2];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(magic, 0, 2) < 2) {
                throw new InvalidTensorFileException(file, "is too short to be .npz or safetensors");
            }
        } catch (NoSuchFileException e) {
            throw new InvalidTensorFileException(file, "does not exist");
        } catch (IOException e) {
            throw new InvalidTensorFileException(file, "cannot be read: " + e.getMessage(), e);
        }
        boolean zip = magic[0] == 'P' && magic[1] == 'K';
        return of(zip ? Npz.read(file) : safetensors(file));
    }

    /** Every tensor of a safetensors file as an array (BF16 widened to float32, F16 kept as float16 bits). */
    private static Map<String, NpyArray> safetensors(Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (String name : f.names()) {
            Tensor t = f.read(name);
            NpyArray.DType d;
            Object data = t.data();
            switch (t.dtype()) {
                case F32:
                    d = NpyArray.DType.FLOAT32;
                    break;
                case F64:
                    d = NpyArray.DType.FLOAT64;
                    break;
                case F16:
                    d = NpyArray.DType.FLOAT16;
                    break;
                case BF16:
                    d = NpyArray.DType.FLOAT32;
                    data = t.toFloats();
                    break;
                case I64:
                    d = NpyArray.DType.INT64;
                    break;
                case I32:
                    d = NpyArray.DType.INT32;
                    break;
                case I16:
                    d = NpyArray.DType.INT16;
                    break;
                case I8:
                    d = NpyArray.DType.INT8;
                    break;
                case U8:
                    d = NpyArray.DType.UINT8;
                    break;
                case BOOL:
                    d = NpyArray.DType.BOOL;
                    break;
                default:
                    throw new InvalidTensorFileException(file, "tensor \"" + name + "\" has dtype " + t.dtype().id()
                            + ", which a calibration set cannot carry (model inputs are float, int or bool)");
            }
            out.put(name, new NpyArray(t.shape(), d, data));
        }
        return out;
    }

    private static void checkFinite(String name, NpyArray a) {
        if (!a.dtype().isFloat()) {
            return;
        }
        int n = (int) a.size();
        double[] halfs = a.dtype() == NpyArray.DType.FLOAT16 ? a.toDoubles() : null;
        for (int k = 0; k < n; k++) {
            double v;
            switch (a.dtype()) {
                case FLOAT32:
                    v = ((float[]) a.data())[k];
                    break;
                case FLOAT64:
                    v = ((double[]) a.data())[k];
                    break;
                default:
                    v = halfs[k];
                    break;
            }
            if (!Double.isFinite(v)) {
                throw new CalibrationMismatchException("calibration array '" + name + "' holds " + v + " at "
                        + position(a.shape(), k) + ": calibration inputs must be finite");
            }
        }
    }

    private static String position(int[] shape, long flat) {
        long[] idx = new long[shape.length];
        long rest = flat;
        for (int k = shape.length - 1; k >= 0; k--) {
            idx[k] = shape[k] == 0 ? 0 : rest % shape[k];
            rest = shape[k] == 0 ? 0 : rest / shape[k];
        }
        StringBuilder sb = new StringBuilder("index [");
        for (int k = 0; k < idx.length; k++) {
            sb.append(k == 0 ? "" : ", ").append(idx[k]);
        }
        return sb.append("] (sample ").append(idx[0]).append(')').toString();
    }

    /** Number of samples (the common first dimension). */
    public int samples() {
        return samples;
    }

    /** The arrays by name, in file order (unmodifiable). */
    public Map<String, NpyArray> arrays() {
        return arrays;
    }

    /** One array. */
    public NpyArray array(String name) {
        NpyArray a = arrays.get(name);
        if (a == null) {
            throw new InvalidInputException("the calibration set has no array '" + name + "'; it holds " + arrays.keySet());
        }
        return a;
    }

    /**
     * Checks the set against the model's inputs before any work starts: every input has an array and every array an
     * input, element types are equal, ranks are equal, and fixed dimensions match (dynamic ones accept any size).
     *
     * @throws CalibrationMismatchException naming the first input that does not fit
     */
    public void checkAgainst(List<ModelInput> inputs) {
        List<String> names = new ArrayList<>();
        for (ModelInput in : inputs) {
            names.add(in.name());
        }
        for (ModelInput in : inputs) {
            NpyArray a = arrays.get(in.name());
            if (a == null) {
                throw new CalibrationMismatchException("the calibration set has no array for model input '" + in.name()
                        + "' (" + in + "); it holds " + arrays.keySet() + ", the model takes " + names);
            }
            if (a.dtype() != in.dtype()) {
                throw new CalibrationMismatchException("calibration array '" + in.name() + "' has dtype "
                        + a.dtype().numpyName() + " but the model input takes " + in.dtype().numpyName()
                        + "; convert the array to " + in.dtype().numpyName());
            }
            long[] want = in.shape();
            int[] got = a.shape();
            if (want.length != got.length) {
                throw new CalibrationMismatchException("calibration array '" + in.name() + "' has shape "
                        + a.shapeString() + " (rank " + got.length + ") but the model input has shape "
                        + in.shapeString() + " (rank " + want.length + "); the samples go on the first axis");
            }
            for (int k = 1; k < want.length; k++) {
                if (want[k] >= 0 && want[k] != got[k]) {
                    throw new CalibrationMismatchException("calibration array '" + in.name() + "' has shape "
                            + a.shapeString() + " but the model input has shape " + in.shapeString() + ": axis " + k
                            + " must be " + want[k]);
                }
            }
        }
        for (String name : arrays.keySet()) {
            if (!names.contains(name)) {
                throw new CalibrationMismatchException("calibration array '" + name
                        + "' matches no model input; the model takes " + names);
            }
        }
    }

    /** Samples {@code [from, to)} of every array, in set order (copies). */
    public Map<String, NpyArray> batch(int from, int to) {
        if (from < 0 || to > samples || from >= to) {
            throw new IllegalArgumentException("batch [" + from + ", " + to + ") outside [0, " + samples + ")");
        }
        int[] idx = new int[to - from];
        for (int k = 0; k < idx.length; k++) {
            idx[k] = from + k;
        }
        return take(idx);
    }

    /** A set of the samples at these indices, in this order. */
    public CalibrationSet select(int[] indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("a calibration set needs at least one sample");
        }
        return new CalibrationSet(Collections.unmodifiableMap(take(indices)), indices.length);
    }

    private Map<String, NpyArray> take(int[] idx) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
            out.put(e.getKey(), takeRows(e.getValue(), idx));
        }
        return out;
    }

    /** The sub-array of these indices along the first axis. */
    static NpyArray takeRows(NpyArray a, int[] idx) {
        int[] shape = a.shape().clone();
        int row = 1;
        for (int k = 1; k < shape.length; k++) {
            row *= shape[k];
        }
        shape[0] = idx.length;
        Object src = a.data();
        Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), idx.length * row);
        for (int k = 0; k < idx.length; k++) {
            if (idx[k] < 0 || idx[k] >= a.shape()[0]) {
                throw new IllegalArgumentException("sample " + idx[k] + " outside [0, " + a.shape()[0] + ")");
            }
            System.arraycopy(src, idx[k] * row, dst, k * row, row);
        }
        return new NpyArray(shape, a.dtype(), dst);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CalibrationSet(").append(samples).append(" samples");
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
            sb.append(", ").append(e.getKey()).append(": ").append(e.getValue().dtype().numpyName()).append(' ')
                    .append(e.getValue().shapeString());
        }
        return sb.append(')').toString();
    }
}
