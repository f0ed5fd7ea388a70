package io.comq.format.npy;

import io.comq.format.npy.NpyArray.DType;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * The header dict of a {@code .npy} stream: element type with its byte order, memory order and shape.
 *
 * @param dtype        element type
 * @param order        byte order of the elements in the file
 * @param fortranOrder true if the elements are stored column-major
 * @param shape        dimensions, outermost first
 */
record NpyHeader(DType dtype, ByteOrder order, boolean fortranOrder, int[] shape) {

    private static final String SUPPORTED = "float16, float32, float64, int8, int16, int32, int64, uint8 and bool";

    /** Number of elements, checked to fit a Java array. */
    int count() throws NpyFormatException {
        long n = 1;
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new NpyFormatException("shape " + NpyArray.shapeString(shape) + " declares more than "
                        + Integer.MAX_VALUE + " elements, more than one Java array can hold; split the array");
            }
        }
        return (int) n;
    }

    /** Parses the header text (the Python dict literal after the length field). */
    static NpyHeader parse(String text) throws NpyFormatException {
        Map<String, Object> dict;
        try {
            dict = PyLiteral.parseDict(text);
        } catch (PyLiteral.SyntaxError e) {
            throw new NpyFormatException("the .npy header is not a valid dict: " + e.getMessage());
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shape = dict.get("shape");
        if (!(descr instanceof String) && descr != null && !(descr instanceof List)) {
            throw new NpyFormatException("the .npy header's 'descr' is not a dtype string");
        }
        if (descr == null || fortran == null || shape == null) {
            throw new NpyFormatException(
                    "the .npy header must have the keys 'descr', 'fortran_order' and 'shape', found " + dict.keySet());
        }
        if (descr instanceof List) {
            throw new NpyFormatException(
                    "structured (record) arrays are not supported; save each field as its own plain numeric array");
        }
        if (!(fortran instanceof Boolean f)) {
            throw new NpyFormatException("the .npy header's 'fortran_order' must be True or False, got " + fortran);
        }
        String d = (String) descr;
        DType dtype = dtype(d);
        return new NpyHeader(dtype, d.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, f, shape(shape));
    }

    private static DType dtype(String descr) throws NpyFormatException {
        if (descr.isEmpty()) {
            throw new NpyFormatException("the .npy header has an empty dtype");
        }
        char first = descr.charAt(0);
        String code = "<>|=".indexOf(first) >= 0 ? descr.substring(1) : descr;
        if (code.equals("O") || code.startsWith("O")) {
            throw new NpyFormatException("object arrays (dtype '" + descr + "') cannot be read: they hold Python objects, "
                    + "not numbers; save a numeric array, e.g. np.asarray(a, dtype=np.float32)");
        }
        switch (code) {
            case "f2": return DType.FLOAT16;
            case "f4": return DType.FLOAT32;
            case "f8": return DType.FLOAT64;
            case "i1": return DType.INT8;
            case "i2": return DType.INT16;
            case "i4": return DType.INT32;
            case "i8": return DType.INT64;
            case "u1": return DType.UINT8;
            case "b1": case "?": return DType.BOOL;
            default:
                throw new NpyFormatException("unsupported dtype '" + descr + "': supported are " + SUPPORTED
                        + "; convert with a.astype(np.float32)");
        }
    }

    private static int[] shape(Object shape) throws NpyFormatException {
        if (!(shape instanceof List<?> dims)) {
            throw new NpyFormatException("the .npy header's 'shape' must be a tuple of integers, got " + shape);
        }
        int[] out = new int[dims.size()];
        for (int k = 0; k < out.length; k++) {
            Object v = dims.get(k);
            if (!(v instanceof Long l)) {
                throw new NpyFormatException("the .npy header's 'shape' must be a tuple of integers, got " + dims);
            }
            if (l < 0 || l > Integer.MAX_VALUE) {
                throw new NpyFormatException("dimension " + k + " of the shape is " + l
                        + (l < 0 ? ", dimensions cannot be negative" : ", more than a Java array can hold"));
            }
            out[k] = (int) (long) l;
        }
        return out;
    }

    /** The header dict numpy writes for a C-order little-endian array of this type and shape. */
    static String format(DType dtype, int[] shape) {
        return "{'descr': '" + dtype.descr() + "', 'fortran_order': False, 'shape': " + NpyArray.shapeString(shape) + ", }";
    }
}
