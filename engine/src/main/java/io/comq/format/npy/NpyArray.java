package io.comq.format.npy;

import io.comq.tensor.Float16;
import io.comq.error.InvalidInputException;
import io.comq.tensor.Matrix;
import java.util.Arrays;

/**
 * An n-dimensional array read from or written to {@code .npy}: its shape and its elements in C (row-major) order,
 * whatever order the file used.
 *
 * @param shape dimensions, outermost first ({@code []} for a scalar)
 * @param dtype element type
 * @param data  {@code float[]}, {@code double[]}, {@code int[]}, {@code long[]}, {@code byte[]} (int8/uint8/bool) or
 *              {@code short[]} (int16/float16 bits), matching {@code dtype}, in C order
 */
public record NpyArray(int[] shape, DType dtype, Object data) {

    /** Element types this project reads and writes. */
    public enum DType {
        FLOAT32("<f4", 4, float[].class), FLOAT64("<f8", 8, double[].class), FLOAT16("<f2", 2, short[].class),
        INT8("|i1", 1, byte[].class), UINT8("|u1", 1, byte[].class), INT16("<i2", 2, short[].class),
        INT32("<i4", 4, int[].class), INT64("<i8", 8, long[].class), BOOL("|b1", 1, byte[].class);

        private final String descr;
        private final int itemSize;
        private final Class<?> arrayType;

        DType(String descr, int itemSize, Class<?> arrayType) {
            this.descr = descr;
            this.itemSize = itemSize;
            this.arrayType = arrayType;
        }

        /** The little-endian numpy {@code descr} string. */
        public String descr() {
            return descr;
        }

        /** Bytes per element. */
        public int itemSize() {
            return itemSize;
        }

        /** The Java array class that holds elements of this type. */
        public Class<?> arrayType() {
            return arrayType;
        }

        /** True for float16, float32 and float64. */
        public boolean isFloat() {
            return this == FLOAT16 || this == FLOAT32 || this == FLOAT64;
        }

        /** The numpy name, e.g. {@code float32}. */
        public String numpyName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Checks that {@code data} is the array type of {@code dtype} and holds exactly the elements {@code shape} declares.
     *
     * @throws IllegalArgumentException if they do not agree (a programming error, not a user's)
     */
    public NpyArray {
        if (shape == null || dtype == null || data == null) {
            throw new IllegalArgumentException("shape, dtype and data are required");
        }
        if (data.getClass() != dtype.arrayType()) {
            throw new IllegalArgumentException(
                    "dtype " + dtype + " needs a " + dtype.arrayType().getSimpleName() + ", got " + data.getClass().getSimpleName());
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != java.lang.reflect.Array.getLength(data)) {
            throw new IllegalArgumentException(
                    "shape " + shapeString(shape) + " declares " + n + " elements, data has " + java.lang.reflect.Array.getLength(data));
        }
    }

    public static NpyArray of(Matrix m) {
        if (m instanceof Matrix.F32 f) {
            return new NpyArray(new int[] {f.rows(), f.cols()}, DType.FLOAT32, f.data());
        }
        Matrix.F64 d = (Matrix.F64) m;
        return new NpyArray(new int[] {d.rows(), d.cols()}, DType.FLOAT64, d.data());
    }

    public static NpyArray ofInts(int[] shape, int[] data) {
        return new NpyArray(shape, DType.INT32, data);
    }

    public static NpyArray ofDoubles(int[] shape, double[] data) {
        return new NpyArray(shape, DType.FLOAT64, data);
    }

    public static NpyArray ofFloats(int[] shape, float[] data) {
        return new NpyArray(shape, DType.FLOAT32, data);
    }

    public static NpyArray ofLongs(int[] shape, long[] data) {
        return new NpyArray(shape, DType.INT64, data);
    }

    /** Number of elements. */
    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** The shape as numpy prints it: {@code ()}, {@code (3,)}, {@code (3, 4)}. */
    public String shapeString() {
        return shapeString(shape);
    }

    /** Formats a shape as numpy prints it: {@code ()}, {@code (3,)}, {@code (3, 4)}. */
    public static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int k = 0; k < shape.length; k++) {
            sb.append(k == 0 ? "" : ", ").append(shape[k]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /**
     * This 2-D float array as a matrix: float32 and float16 become {@link Matrix.F32}, float64 {@link Matrix.F64}. The
     * data is shared for float32/float64, not copied.
     *
     * @throws InvalidInputException if the array is not 2-D or not a float type
     */
    public Matrix toMatrix() {
        if (shape.length != 2) {
            throw new InvalidInputException("expected a 2-D matrix, got an array of shape " + shapeString()
                    + (shape.length == 1 ? " (reshape it to (n, 1) or (1, n) if a matrix is meant)" : ""));
        }
        return switch (dtype) {
            case FLOAT32 -> new Matrix.F32(shape[0], shape[1], (float[]) data);
            case FLOAT64 -> new Matrix.F64(shape[0], shape[1], (double[]) data);
            case FLOAT16 -> new Matrix.F32(shape[0], shape[1], Float16.toFloats((short[]) data));
            default -> throw new InvalidInputException("expected a float matrix (float16, float32 or float64), got dtype "
                    + dtype.numpyName() + " of shape " + shapeString());
        };
    }

    /** The elements as float64 in C order (a copy; booleans become 0 and 1, uint8 stays unsigned). */
    public double[] toDoubles() {
        int n = (int) size();
        double[] out = new double[n];
        switch (dtype) {
            case FLOAT64 -> System.arraycopy(data, 0, out, 0, n);
            case FLOAT32 -> {
                float[] f = (float[]) data;
                for (int k = 0; k < n; k++) {
                    out[k] = f[k];
                }
            }
            case FLOAT16 -> {
                short[] h = (short[]) data;
                for (int k = 0; k < n; k++) {
                    out[k] = Float16.toFloat(h[k]);
                }
            }
            default -> {
                long[] l = integerValues();
                for (int k = 0; k < n; k++) {
                    out[k] = l[k];
                }
            }
        }
        return out;
    }

    /**
     * The elements as int64 in C order (a copy).
     *
     * @throws InvalidInputException if the array holds floats
     */
    public long[] toLongs() {
        if (dtype.isFloat()) {
            throw new InvalidInputException("expected an integer array, got dtype " + dtype.numpyName() + " of shape "
                    + shapeString());
        }
        return integerValues();
    }

    /**
     * The elements as int32 in C order (a copy).
     *
     * @throws InvalidInputException if the array holds floats or a value outside the int32 range
     */
    public int[] toInts() {
        long[] l = toLongs();
        int[] out = new int[l.length];
        for (int k = 0; k < l.length; k++) {
            if (l[k] < Integer.MIN_VALUE || l[k] > Integer.MAX_VALUE) {
                throw new InvalidInputException("element " + k + " of an int64 array of shape " + shapeString() + " is "
                        + l[k] + ", outside the int32 range");
            }
            out[k] = (int) l[k];
        }
        return out;
    }

    private long[] integerValues() {
        int n = (int) size();
        long[] out = new long[n];
        switch (dtype) {
            case INT64 -> System.arraycopy(data, 0, out, 0, n);
            case INT32 -> {
                int[] a = (int[]) data;
                for (int k = 0; k < n; k++) {
                    out[k] = a[k];
                }
            }
            case INT16 -> {
                short[] a = (short[]) data;
                for (int k = 0; k < n; k++) {
                    out[k] = a[k];
                }
            }
            case INT8, BOOL -> {
                byte[] a = (byte[]) data;
                for (int k = 0; k < n; k++) {
                    out[k] = a[k];
                }
            }
            case UINT8 -> {
                byte[] a = (byte[]) data;
                for (int k = 0; k < n; k++) {
                    out[k] = a[k] & 0xFF;
                }
            }
            default -> throw new IllegalStateException("not an integer dtype: " + dtype);
        }
        return out;
    }

    /** Equal when shape, dtype and every element agree (arrays compared by content). */
    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray a && a.dtype == dtype && Arrays.equals(a.shape, shape)
                && Arrays.deepEquals(new Object[] {a.data}, new Object[] {data});
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(shape) + dtype.hashCode()) + Arrays.deepHashCode(new Object[] {data});
    }

    @Override
    public String toString() {
        return "NpyArray(" + dtype.numpyName() + ", " + shapeString() + ")";
    }
}
