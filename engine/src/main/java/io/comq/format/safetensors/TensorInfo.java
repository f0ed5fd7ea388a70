package io.comq.format.safetensors;

import java.util.Arrays;

/**
 * One entry of a safetensors header.
 *
 * @param name  tensor name
 * @param dtype element type
 * @param shape dimensions, outermost first
 * @param begin first byte of the tensor, counted from the start of the data section
 * @param end   one past its last byte
 */
public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long size() {
        return Tensor.elements(shape);
    }

    /** Bytes of the tensor's data. */
    public long bytes() {
        return end - begin;
    }

    /** Number of dimensions. */
    public int ndim() {
        return shape.length;
    }

    /** Dimension {@code k}. */
    public int dim(int k) {
        return shape[k];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape)
                && t.begin == begin && t.end == end;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
    }

    @Override
    public String toString() {
        return name + " " + dtype.id() + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
