package io.comq.quant.linalg;

/**
 * A row-major matrix that GPTQ updates in place with GEMM: rows move in and out as doubles, and
 * {@link #subtractTransposedProduct} is the one product it needs. Made by {@link DenseMath#allocate}, in native memory
 * for OpenBLAS or on the heap for the pure-Java math; an operand must come from the same {@link DenseMath}. Close it to
 * free the memory.
 */
public interface WorkMatrix extends AutoCloseable {

    int rows();

    int cols();

    /** Copies {@code count} rows from {@code src} (row-major, starting at its element 0) into rows {@code row0..}. */
    void putRows(int row0, double[] src, int count);

    /** Copies rows {@code row0 .. row0+count-1} into {@code dst} (row-major, from its element 0). */
    void getRows(int row0, double[] dst, int count);

    /**
     * {@code this[row0:, :] -= A[aRow0 : aRow0+k, aCol0 : aCol0+m]^T * B[0:k, :]} with {@code m = rows - row0}: GPTQ's
     * lazy block update {@code W[i2:] -= Hinv[i1:i2, i2:]^T Err}.
     */
    void subtractTransposedProduct(int row0, WorkMatrix A, int aRow0, int aCol0, int k, WorkMatrix B);

    @Override
    void close();
}
