package io.comq.report;

import java.util.List;

/**
 * Whole-model figures over the layers of a report.
 *
 * @param layers          number of quantized layers
 * @param parameters      weights quantized
 * @param timeMs          summed method time
 * @param meanRtnRelError mean over layers of the RTN relative error
 * @param meanRelError    mean over layers of the final relative error
 * @param betterThanRtn   layers whose final error is below their RTN error
 * @param worstLayer      name of the layer with the largest final relative error ({@code null} without layers)
 * @param worstRelError   its final relative error (0 without layers)
 */
public record Totals(int layers, long parameters, double timeMs, double meanRtnRelError, double meanRelError,
                     int betterThanRtn, String worstLayer, double worstRelError) {

    /** The totals of {@code entries}. */
    public static Totals of(List<LayerEntry> entries) {
        long params = 0;
        double time = 0;
        double rtn = 0;
        double fin = 0;
        int better = 0;
        String worst = null;
        double worstErr = 0;
        for (LayerEntry e : entries) {
            params += e.parameters();
            time += e.timeMs();
            rtn += e.rtnRelError();
            fin += e.relError();
            if (e.relError() < e.rtnRelError()) {
                better++;
            }
            if (worst == null || e.relError() > worstErr) {
                worst = e.name();
                worstErr = e.relError();
            }
        }
        int n = entries.size();
        return new Totals(n, params, time, n == 0 ? 0 : rtn / n, n == 0 ? 0 : fin / n, better, worst, worstErr);
    }
}
