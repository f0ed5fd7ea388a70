package io.comq.format.safetensors;

import java.io.IOException;
import java.io.OutputStream;

/** The raw little-endian bytes of one tensor, produced on demand so a writer never needs a whole checkpoint in memory. */
public interface TensorBytes {
    /** Number of bytes {@link #writeTo} writes. */
    long size();

    /** Writes exactly {@link #size()} bytes. */
    void writeTo(OutputStream out) throws IOException;
}
