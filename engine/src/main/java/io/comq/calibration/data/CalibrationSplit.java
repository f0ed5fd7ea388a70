package io.comq.calibration.data;

import io.comq.error.InvalidConfigException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A calibration set split by sample into a part to fit on (the Gram matrices) and a part to validate on (the
 * quantized model's error on data it was not fitted to).
 *
 * @param fit      samples the statistics are accumulated from
 * @param validate held-out samples, or {@code null} when the fraction was 0
 */
public record CalibrationSplit(CalibrationSet fit, CalibrationSet validate) {

    /**
     * Splits deterministically: the samples are permuted by a generator seeded with {@code seed}, the first
     * {@code round(validateFraction * n)} of the permutation validate and the rest fit, each part kept in the original
     * sample order. The same set, fraction and seed always give the same split.
     *
     * @param validateFraction the share of samples held out, in {@code [0, 1)}
     * @throws InvalidConfigException if the fraction is out of range or would leave no sample to fit on
     */
    public static CalibrationSplit of(CalibrationSet set, double validateFraction, long seed) {
        if (!(validateFraction >= 0 && validateFraction < 1)) {
            throw new InvalidConfigException("the validation fraction must be in [0, 1), got " + validateFraction);
        }
        int n = set.samples();
        int[] validate = validationIndices(n, validateFraction, seed);
        if (validate.length == 0) {
            return new CalibrationSplit(set, null);
        }
        int[] fit = new int[n - validate.length];
        for (int k = 0, v = 0, f = 0; k < n; k++) {
            if (v < validate.length && validate[v] == k) {
                v++;
            } else {
                fit[f++] = k;
            }
        }
        return new CalibrationSplit(set.select(fit), set.select(validate));
    }

    /**
     * The indices (ascending) of the samples {@link #of} holds out of a set of {@code n}: the sample behind each
     * held-out row, for reports.
     */
    public static int[] validationIndices(int n, double validateFraction, long seed) {
        int nValidate = (int) Math.round(validateFraction * n);
        if (nValidate == 0) {
            return new int[0];
        }
        if (nValidate >= n) {
            throw new InvalidConfigException("a validation fraction of " + validateFraction + " of " + n
                    + " samples leaves none to fit on; lower the fraction or add samples");
        }
        int[] perm = new int[n];
        for (int k = 0; k < n; k++) {
            perm[k] = k;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int k = n - 1; k > 0; k--) {
            int j = rnd.nextInt(k + 1);
            int t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        int[] validate = Arrays.copyOf(perm, nValidate);
        Arrays.sort(validate);
        return validate;
    }

    /** True if samples were held out. */
    public boolean hasValidation() {
        return validate != null;
    }
}
