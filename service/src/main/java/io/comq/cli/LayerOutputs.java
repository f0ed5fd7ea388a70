package io.comq.cli;

import io.comq.format.npy.NpyArray;
import io.comq.layer.LayerResult;
import io.comq.numeric.Precision;
import java.nio.file.Path;

/**
 * Writes a quantized layer as the files of {@code comq layer}, all or nothing:
 * <ul>
 *   <li>{@code codes.npy}: int32 signed codes {@code (in, out)};</li>
 *   <li>{@code scales.npy}: float32/float64 (the run's precision), {@code (out,)} per channel or {@code (groups, out)};</li>
 *   <li>{@code zeros.npy}: int32 zero points {@code -lo}, same shape as the scales;</li>
 *   <li>{@code wq.npy}: dequantized weights {@code (in, out)} in the run's precision;</li>
 *   <li>{@code bias_correction.npy}: {@code mu^T (W - Wq)}, {@code (out,)}, when asked;</li>
 *   <li>{@code report.json}: the {@link LayerReport}, with the SHA-256 of every file above.</li>
 * </ul>
 */
final class LayerOutputs {
    private LayerOutputs() {
    }

    static final String CODES = "codes.npy";
    static final String SCALES = "scales.npy";
    static final String ZEROS = "zeros.npy";
    static final String WQ = "wq.npy";
    static final String BIAS = "bias_correction.npy";
    static final String REPORT = "report.json";

    /** Writes everything into a temporary sibling of {@code dir}, then moves it into place; returns the folder. */
    static Path write(Path dir, boolean force, LayerResult r, LayerReport report) {
        try (OutputDir outDir = OutputDir.open(dir, force)) {
            boolean perChannel = r.grid().groupSize() == 0;
            int[] gridShape = perChannel ? new int[] {r.out()} : new int[] {r.scales().rows(), r.out()};
            boolean f32 = r.stats().precision() == Precision.FLOAT32;
            outDir.writeNpy(CODES, NpyArray.ofInts(new int[] {r.in(), r.out()}, r.codes()));
            outDir.writeNpy(SCALES, floats(gridShape, r.scales().data(), f32));
            outDir.writeNpy(ZEROS, NpyArray.ofInts(gridShape, r.zeroPoints()));
            outDir.writeNpy(WQ, NpyArray.of(r.wq()));
            if (r.biasCorrection() != null) {
                outDir.writeNpy(BIAS, floats(new int[] {r.out()}, r.biasCorrection(), f32));
            }
            outDir.writeBytes(REPORT, report.withFiles(outDir.files()).toJson(), false);
            return outDir.commit(force);
        }
    }

    private static NpyArray floats(int[] shape, double[] values, boolean f32) {
        if (!f32) {
            return NpyArray.ofDoubles(shape, values.clone());
        }
        float[] f = new float[values.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) values[k];
        }
        return NpyArray.ofFloats(shape, f);
    }
}
