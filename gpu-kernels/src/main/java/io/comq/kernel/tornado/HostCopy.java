package io.comq.kernel.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/** Bulk copies between Java arrays and TornadoVM's off-heap arrays (their segments past the header). */
final class HostCopy {
    private HostCopy() {
    }

    static void put(float[] src, FloatArray dst) {
        MemorySegment.copy(src, 0, dst.getSegment(), ValueLayout.JAVA_FLOAT, 0, src.length);
    }

    static void put(int[] src, IntArray dst) {
        MemorySegment.copy(src, 0, dst.getSegment(), ValueLayout.JAVA_INT, 0, src.length);
    }

    static void put(double[] src, DoubleArray dst) {
        MemorySegment.copy(src, 0, dst.getSegment(), ValueLayout.JAVA_DOUBLE, 0, src.length);
    }

    static void get(FloatArray src, float[] dst) {
        MemorySegment.copy(src.getSegment(), ValueLayout.JAVA_FLOAT, 0, dst, 0, dst.length);
    }

    static void get(IntArray src, int[] dst) {
        MemorySegment.copy(src.getSegment(), ValueLayout.JAVA_INT, 0, dst, 0, dst.length);
    }

    static void get(DoubleArray src, double[] dst) {
        MemorySegment.copy(src.getSegment(), ValueLayout.JAVA_DOUBLE, 0, dst, 0, dst.length);
    }
}
