package io.comq.bench;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The reference throughput: ND4J (OpenBLAS) float32 GEMM of two square matrices, best of a few timed runs. */
final class Sgemm {

    private Sgemm() {
    }

    /**
     * Multiply-adds per second of {@code C = A B} for {@code n x n} float matrices: warm-up, then the best of
     * {@code runs}.
     */
    static double macsPerSecond(int n, int runs) {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int t = 0; t < a.length; t++) {
            a[t] = (float) rnd.nextDouble(-1, 1);
            b[t] = (float) rnd.nextDouble(-1, 1);
        }
        try (INDArray A = Nd4j.create(a, new long[] {n, n}, 'c');
             INDArray B = Nd4j.create(b, new long[] {n, n}, 'c');
             INDArray C = Nd4j.create(A.dataType(), n, n)) {
            Nd4j.gemm(A, B, C, false, false, 1.0, 0.0);
            long best = Long.MAX_VALUE;
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                Nd4j.gemm(A, B, C, false, false, 1.0, 0.0);
                best = Math.min(best, System.nanoTime() - t0);
            }
            return (double) n * n * n / (best * 1e-9);
        }
    }
}
