package io.comq.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.quant.linalg.JavaMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J 1.0.0-M2.1, built against javacpp 1.5.7, still computes right on the OpenBLAS 0.3.31 / javacpp 1.5.13 pair the
 * project ships (the bench's sgemm reference): {@code mmul} and {@code gemm} of 300x300 float and double matrices
 * agree with a plain Java product. CI runs it once per OpenBLAS core.
 */
class Nd4jProductTest {

    private static final int N = 300;

    @Test
    void mmulAndGemmAgreeWithPlainJavaInFloatAndDouble() {
        SplittableRandom rnd = new SplittableRandom(3);
        double[] a = new double[N * N];
        double[] b = new double[N * N];
        for (int k = 0; k < a.length; k++) {
            a[k] = rnd.nextDouble(-1, 1);
            b[k] = rnd.nextDouble(-1, 1);
        }
        double[] want = new JavaMath().multiply(a, b, N, N, N);
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            try (INDArray A = Nd4j.create(a, new long[] {N, N}, 'c').castTo(type);
                 INDArray B = Nd4j.create(b, new long[] {N, N}, 'c').castTo(type);
                 INDArray C = Nd4j.create(type, N, N)) {
                double tol = type == DataType.DOUBLE ? 1e-12 : 1e-5;
                assertClose(want, A.mmul(B).castTo(DataType.DOUBLE).data().asDouble(), tol, type + " mmul");
                Nd4j.gemm(A, B, C, false, false, 1.0, 0.0);
                assertClose(want, C.castTo(DataType.DOUBLE).data().asDouble(), tol, type + " gemm");
            }
        }
    }

    private static void assertClose(double[] want, double[] got, double tol, String what) {
        double diff = 0;
        double norm = 0;
        for (int k = 0; k < want.length; k++) {
            diff += (got[k] - want[k]) * (got[k] - want[k]);
            norm += want[k] * want[k];
        }
        double rel = Math.sqrt(diff / norm);
        assertTrue(rel < tol, what + ": relative difference " + rel);
    }
}
