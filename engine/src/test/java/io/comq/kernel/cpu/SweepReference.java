package io.comq.kernel.cpu;

import io.comq.kernel.Layout;
import io.comq.kernel.SweepState;

/**
 * The COMQ sweep and scale update exactly as {@code QuantKernel}'s javadoc states them, one coordinate at a time in
 * float32: the reference the SIMD kernel is compared against.
 */
final class SweepReference {

    private SweepReference() {
    }

    static long sweep(SweepState.F32 s, int[] order) {
        Layout l = s.layout();
        int in = l.in();
        long changed = 0;
        for (int j = 0; j < l.out(); j++) {
            for (int k = 0; k < in; k++) {
                int i = order == null ? k : order[l.at(j, k)];
                int at = l.at(j, i);
                float hii = s.H()[l.h(i, i)];
                float t = hii == 0f ? s.W()[at] : s.Q()[at] + s.G()[at] / hii;
                int g = l.grid(j, i);
                float z = s.tie().round(t / s.scale()[g]);
                z = Math.max(s.lo()[g], Math.min(s.hi()[g], z));
                float q = s.scale()[g] * z;
                s.Z()[at] = (int) z;
                float d = s.Q()[at] - q;
                if (d != 0f) {
                    for (int r = 0; r < in; r++) {
                        s.G()[l.at(j, r)] += s.H()[l.h(i, r)] * d;
                    }
                    s.Q()[at] = q;
                    changed++;
                }
            }
        }
        return changed;
    }

    /** Greedy order with a float64 key and a comparator sort (stable). */
    static int[] greedyOrder(SweepState.F32 s) {
        Layout l = s.layout();
        int in = l.in();
        int[] order = new int[in * l.out()];
        for (int j = 0; j < l.out(); j++) {
            int jo = l.at(j, 0);
            Integer[] idx = new Integer[in];
            for (int i = 0; i < in; i++) {
                idx[i] = i;
            }
            java.util.Arrays.sort(idx, (a, b) -> Float.compare(key(s, jo, b), key(s, jo, a)));
            for (int k = 0; k < in; k++) {
                order[jo + k] = idx[k];
            }
        }
        return order;
    }

    private static float key(SweepState.F32 s, int jo, int i) {
        int in = s.layout().in();
        return (float) Math.sqrt(s.H()[i * in + i]) * Math.abs(s.W()[jo + i]);
    }

    /** {@code scale_g = z_g^T (H (w - q_{-g}))_g / (z_g^T H_gg z_g)} group by group in float64, then Q and G. */
    static void updateScales(SweepState.F32 s) {
        Layout l = s.layout();
        int in = l.in();
        int rpg = l.rowsPerGroup();
        for (int j = 0; j < l.out(); j++) {
            for (int a0 = 0; a0 < in; a0 += rpg) {
                double num = 0;
                double den = 0;
                for (int a = a0; a < a0 + rpg; a++) {
                    double za = s.Z()[l.at(j, a)];
                    double rowDot = 0;
                    for (int k = 0; k < in; k++) {
                        boolean inGroup = k >= a0 && k < a0 + rpg;
                        double qk = inGroup ? 0 : s.Q()[l.at(j, k)];
                        rowDot += s.H()[l.h(a, k)] * ((double) s.W()[l.at(j, k)] - qk);
                        if (inGroup) {
                            den += za * s.H()[l.h(a, k)] * s.Z()[l.at(j, k)];
                        }
                    }
                    num += za * rowDot;
                }
                if (den == 0) {
                    continue;
                }
                int g = l.grid(j, a0);
                s.scale()[g] = (float) (num / den);
                for (int a = a0; a < a0 + rpg; a++) {
                    s.Q()[l.at(j, a)] = s.scale()[g] * s.Z()[l.at(j, a)];
                }
            }
        }
        for (int j = 0; j < l.out(); j++) {
            for (int r = 0; r < in; r++) {
                double g = 0;
                for (int i = 0; i < in; i++) {
                    g += (double) s.H()[l.h(r, i)] * ((double) s.W()[l.at(j, i)] - s.Q()[l.at(j, i)]);
                }
                s.G()[l.at(j, r)] = (float) g;
            }
        }
    }
}
