/**
 * NumPy's {@code .npy} and {@code .npz} tensor files: {@link io.comq.format.npy.Npy} and
 * {@link io.comq.format.npy.Npz} read and write them, {@link io.comq.format.npy.NpyArray} is the in-memory array (always
 * C order, native Java element types).
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0, little- and big-endian numeric dtypes, C and Fortran order, and
 * stored or deflated (zip64) {@code .npz} archives; anything else is refused with an
 * {@link io.comq.error.InvalidTensorFileException} naming the file and the problem. Writing is always little-endian, C
 * order, and atomic (a temporary sibling file moved into place).
 */
package io.comq.format.npy;
