package io.comq.pipeline;

import io.comq.format.onnx.OnnxLayer;
import io.comq.quant.method.AutoConfig;
import io.comq.report.AccuracyReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the {@link AccuracyReport} of a run from the layers' outcomes and the held-out samples' drift. */
final class AccuracyReports {
    private AccuracyReports() {
    }

    /** Collects per-sample drift and keeps the worst. */
    static final class Worst implements DriftEvaluator.SampleSink {
        private final List<AccuracyReport.SampleDrift> all = new ArrayList<>();
        private final int[] indices;

        /** @param indices the calibration-set index of each evaluated sample */
        Worst(int[] indices) {
            this.indices = indices;
        }

        @Override
        public void accept(int sample, String output, double cosine, double relL2) {
            all.add(new AccuracyReport.SampleDrift(sample < indices.length ? indices[sample] : sample, output, cosine,
                    relL2));
        }

        /** The {@code n} lowest cosines, worst first. */
        List<AccuracyReport.SampleDrift> worst(int n) {
            return all.stream().sorted(Comparator.comparingDouble(AccuracyReport.SampleDrift::cosine)).limit(n)
                    .toList();
        }
    }

    static AccuracyReport of(AccuracyOptions options, List<OnnxLayer> layers,
                             Map<OnnxLayer, MethodSelector.Outcome> outcomes, boolean auto,
                             List<AccuracyReport.SampleDrift> worst, Map<OnnxLayer, double[]> sensitivity,
                             WholeModelCheck.Verdict check) {
        int[] candidateBits = BitAllocator.parseBits(options.candidateBits());
        double bitsSum = 0;
        long weights = 0;
        List<AccuracyReport.Layer> rows = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (OnnxLayer l : layers) {
            MethodSelector.Outcome o = outcomes.get(l);
            List<AccuracyReport.Candidate> cs = new ArrayList<>();
            for (Map.Entry<String, double[]> e : o.candidates().entrySet()) {
                double v = e.getValue()[1];
                cs.add(new AccuracyReport.Candidate(e.getKey(), e.getValue()[0], Double.isNaN(v) ? null : v));
            }
            boolean overfit = o.validError() != null && o.validError() > options.overfitRatio() * o.fitError();
            if (overfit) {
                warnings.add(String.format(Locale.ROOT, "layer %s: held-out error %.3e is %.1fx its fit error %.3e; "
                        + "the calibration set may be too small or unrepresentative for it", l.id(), o.validError(),
                        o.validError() / o.fitError(), o.fitError()));
            }
            String reason = !auto ? "the method asked for"
                    : check != null && check.kept() != null ? "whole-model check: " + check.kept()
                    + " in every layer drifted least on the held-out samples"
                    : String.format(Locale.ROOT, "lowest %s error of %d candidates",
                    o.validError() == null ? "fit" : "held-out", cs.size());
            int bits = o.results().get(0).grid().bits();
            long n = (long) l.in() * l.out() * l.groups();
            bitsSum += (double) bits * n;
            weights += n;
            Map<String, Double> sens = null;
            if (sensitivity != null) {
                sens = new java.util.LinkedHashMap<>();
                for (int c = 0; c < candidateBits.length; c++) {
                    sens.put(Integer.toString(candidateBits[c]), sensitivity.get(l)[c]);
                }
            }
            rows.add(new AccuracyReport.Layer(l.id(), o.method(), reason, o.fitError(), o.validError(), overfit, cs,
                    bits, sens));
        }
        if (check != null && check.kept() != null) {
            warnings.add(check.line());
        }
        if (!worst.isEmpty() && worst.get(0).cosine() < 0.5) {
            warnings.add(String.format(Locale.ROOT, "held-out sample %d collapsed: cosine %.3f on output %s",
                    worst.get(0).sample(), worst.get(0).cosine(), worst.get(0).output()));
        }
        return new AccuracyReport(options.calibrationMode().id(), rows, worst, warnings,
                weights == 0 ? 0 : bitsSum / weights);
    }

    /** Whether the job chooses methods per layer. */
    static boolean auto(ModelJob job) {
        return job.layer().method() instanceof AutoConfig;
    }
}
