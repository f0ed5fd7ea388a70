package io.comq.kernel.cpu;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;

/**
 * Least-squares scale update and residual error for one channel at a time, in float32 with float64 sums.
 *
 * <p>For group {@code g} of channel {@code j}, with {@code G = H (w - q)} current,
 * {@code z_g^T (H (w - q_{-g}))_g = z_g^T G_g + z_g^T H_gg q_g}, so the new scale is
 * {@code scale + z_g^T G_g / (z_g^T H_gg z_g)}; then {@code Q_g = scale z_g} and {@code G_j} follows the change of
 * {@code Q_g} before the next group is updated.
 */
final class SimdScales {

    private SimdScales() {
    }

    /** Updates the scales, {@code Q} and {@code G} of channels {@code [j0, j1)}. */
    static void update(SweepState.F32 s, int j0, int j1) {
        Layout l = s.layout();
        int in = l.in();
        int rpg = l.rowsPerGroup();
        float[] H = s.H();
        float[] Q = s.Q();
        float[] G = s.G();
        int[] Z = s.Z();
        float[] zf = new float[rpg];
        for (int j = j0; j < j1; j++) {
            int jo = l.at(j, 0);
            for (int a0 = 0; a0 < in; a0 += rpg) {
                double den = 0;
                double num = 0;
                for (int a = 0; a < rpg; a++) {
                    zf[a] = Z[jo + a0 + a];
                }
                for (int a = 0; a < rpg; a++) {
                    if (zf[a] != 0f) {
                        den += zf[a] * (double) SimdPanels.dot(H, l.h(a0 + a, a0), zf, 0, rpg);
                        num += zf[a] * (double) G[jo + a0 + a];
                    }
                }
                if (den == 0 || !Double.isFinite(den)) {
                    continue;
                }
                int gi = l.grid(j, a0);
                float scale = (float) (s.scale()[gi] + num / den);
                for (int a = 0; a < rpg; a++) {
                    int at = jo + a0 + a;
                    float q = scale * zf[a];
                    float d = Q[at] - q;
                    if (d != 0f) {
                        SimdPanels.axpy(d, H, l.h(a0 + a, 0), G, jo, in);
                        Q[at] = q;
                    }
                }
                s.scale()[gi] = scale;
            }
        }
    }

    /** {@code (w_j - q_j)^T H (w_j - q_j)} from the current {@code G}. */
    static double residual(SweepState.F32 s, int j) {
        Layout l = s.layout();
        int jo = l.at(j, 0);
        double e = 0;
        for (int i = 0; i < l.in(); i++) {
            e += (double) (s.W()[jo + i] - s.Q()[jo + i]) * s.G()[jo + i];
        }
        return e;
    }
}
