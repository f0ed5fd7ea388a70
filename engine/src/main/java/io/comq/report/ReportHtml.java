package io.comq.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link ModelReport} as one self-contained page: no external assets, no script, every name escaped. The
 * markup is well-formed XML (polyglot XHTML), so it opens in a browser and parses with an XML parser alike.
 *
 * <p>The chart is an inline SVG with one pair of horizontal bars per layer, RTN and final relative error, on a log
 * scale spanning whole decades from the smallest to the largest positive error.
 */
final class ReportHtml {
    private ReportHtml() {
    }

    static final int ROW = 22;
    static final int BAR = 8;
    static final int CHART_WIDTH = 520;

    private static final String CSS = String.join("\n",
            "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#202124}",
            "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}",
            ".meta{color:#5f6368;margin:0 0 16px;font-size:13px}",
            "table{border-collapse:collapse;font-size:13px}",
            "th,td{padding:4px 10px;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:top}",
            "th{background:#f1f3f4;font-weight:600}",
            "td.num{text-align:right;font-variant-numeric:tabular-nums}",
            "td{white-space:nowrap}td.guards{white-space:normal;min-width:160px}",
            "td.name{font-family:ui-monospace,Menlo,Consolas,monospace}",
            "td.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px}",
            ".better{color:#188038}.worse{color:#c5221f}",
            "svg text{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11px;fill:#202124}",
            "svg .axis{font-family:system-ui,sans-serif;fill:#5f6368}",
            "svg .grid{stroke:#e0e0e0;stroke-width:1}",
            "svg .rtn{fill:#9aa0a6}svg .final{fill:#1a73e8}");

    static String render(ModelReport r) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>Quantization report: ").append(esc(r.model()))
                .append("</title>\n<style>\n").append(CSS).append("\n</style>\n</head>\n<body>\n");
        h.append("<h1>Quantization report</h1>\n<p class=\"meta\">").append(esc(r.model())).append(" &#183; ")
                .append(esc(r.tool())).append(" &#183; ").append(esc(r.createdAt())).append("</p>\n");
        summary(h, r);
        h.append("<h2>Relative error per layer</h2>\n");
        chart(h, r.layers());
        layers(h, r.layers());
        if (r.accuracy() != null) {
            accuracy(h, r.accuracy());
        }
        settings(h, r.settings());
        artifacts(h, r.artifacts());
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, ModelReport r) {
        Totals t = r.totals();
        h.append("<h2>Summary</h2>\n<table class=\"summary\">\n");
        row(h, "Layers quantized", Integer.toString(t.layers()));
        row(h, "Weights quantized", String.format(Locale.ROOT, "%,d", t.parameters()));
        row(h, "Mean relative error, RTN", sci(t.meanRtnRelError()));
        row(h, "Mean relative error, final", sci(t.meanRelError()));
        row(h, "Layers better than RTN", t.betterThanRtn() + " of " + t.layers());
        if (t.worstLayer() != null) {
            row(h, "Worst layer", t.worstLayer() + " (" + sci(t.worstRelError()) + ")");
        }
        row(h, "Method time", ms(t.timeMs()));
        Drift d = r.drift();
        if (d != null) {
            optional(h, "Evaluation samples", d.samples() == null ? null : d.samples().toString());
            optional(h, "Output relative error", d.outputRelError() == null ? null : sci(d.outputRelError()));
            optional(h, "Largest output difference", d.outputMaxAbs() == null ? null : sci(d.outputMaxAbs()));
            optional(h, "Top-1 agreement", d.top1Agreement() == null ? null
                    : String.format(Locale.ROOT, "%.2f%%", 100 * d.top1Agreement()));
            optional(h, "Perplexity, full precision", d.perplexityFp() == null ? null : fixed(d.perplexityFp()));
            optional(h, "Perplexity, quantized", d.perplexityQuant() == null ? null : fixed(d.perplexityQuant()));
            for (Drift.Output o : d.outputs() == null ? List.<Drift.Output>of() : d.outputs()) {
                row(h, "Output " + o.name(), String.format(Locale.ROOT,
                        "relative L2 drift mean %.3e, max %.3e; mean cosine %.6f", o.meanRelL2(), o.maxRelL2(),
                        o.meanCosine()) + (o.pooledCosine() == null ? ""
                        : String.format(Locale.ROOT, "; mean cosine of mean-pooled vectors %.6f", o.pooledCosine())));
            }
        }
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }

    private static void optional(StringBuilder h, String k, String v) {
        if (v != null) {
            row(h, k, v);
        }
    }

    /** One pair of bars per layer; widths on a log scale over whole decades. */
    private static void chart(StringBuilder h, List<LayerEntry> layers) {
        if (layers.isEmpty()) {
            h.append("<p>No layers.</p>\n");
            return;
        }
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        int longest = 8;
        for (LayerEntry e : layers) {
            for (double v : new double[] {e.rtnRelError(), e.relError()}) {
                if (v > 0 && Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            longest = Math.max(longest, e.name().length());
        }
        int lo = max == 0 ? -6 : (int) Math.floor(Math.log10(min));
        int hi = max == 0 ? 0 : (int) Math.ceil(Math.log10(max));
        if (hi <= lo) {
            hi = lo + 1;
        }
        int label = Math.min(420, 16 + 7 * longest);
        int top = 34;
        int width = label + CHART_WIDTH + 20;
        int height = top + ROW * layers.size() + 30;
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" role=\"img\" aria-label=\"relative error per layer, RTN and final, log scale\">\n");
        h.append("<rect class=\"legend rtn\" x=\"").append(label).append("\" y=\"8\" width=\"12\" height=\"").append(BAR)
                .append("\"/><text class=\"axis\" x=\"").append(label + 16).append("\" y=\"16\">RTN</text>\n");
        h.append("<rect class=\"legend final\" x=\"").append(label + 60).append("\" y=\"8\" width=\"12\" height=\"")
                .append(BAR).append("\"/><text class=\"axis\" x=\"").append(label + 76)
                .append("\" y=\"16\">final</text>\n");
        h.append("<text class=\"axis\" x=\"").append(label + 130).append("\" y=\"16\">relative error, log scale</text>\n");
        int bottom = top + ROW * layers.size();
        for (int d = lo; d <= hi; d++) {
            double x = label + (double) (d - lo) / (hi - lo) * CHART_WIDTH;
            h.append("<line class=\"grid\" x1=\"").append(fmt(x)).append("\" y1=\"").append(top - 4).append("\" x2=\"")
                    .append(fmt(x)).append("\" y2=\"").append(bottom).append("\"/>")
                    .append("<text class=\"axis\" text-anchor=\"middle\" x=\"").append(fmt(x)).append("\" y=\"")
                    .append(bottom + 16).append("\">1e").append(d).append("</text>\n");
        }
        for (int k = 0; k < layers.size(); k++) {
            LayerEntry e = layers.get(k);
            int y = top + k * ROW;
            String name = e.name().length() > 58 ? "\u2026" + e.name().substring(e.name().length() - 57) : e.name();
            h.append("<g class=\"layer\"><text x=\"").append(label - 8).append("\" y=\"").append(y + BAR + 5)
                    .append("\" text-anchor=\"end\">").append(esc(name)).append("<title>").append(esc(e.name()))
                    .append("</title></text>\n");
            bar(h, "rtn", label, y + 2, e.rtnRelError(), lo, hi, e.name());
            bar(h, "final", label, y + 2 + BAR, e.relError(), lo, hi, e.name());
            h.append("</g>\n");
        }
        h.append("</svg>\n");
    }

    private static void bar(StringBuilder h, String cls, int x0, int y, double v, int lo, int hi, String name) {
        double w = 0;
        if (v > 0 && Double.isFinite(v)) {
            w = Math.max(1, (Math.log10(v) - lo) / (hi - lo) * CHART_WIDTH);
        }
        h.append("<rect class=\"bar ").append(cls).append("\" x=\"").append(x0).append("\" y=\"").append(y)
                .append("\" width=\"").append(fmt(w)).append("\" height=\"").append(BAR).append("\"><title>")
                .append(esc(name)).append(' ').append(cls.equals("rtn") ? "RTN" : "final").append(": ").append(sci(v))
                .append("</title></rect>\n");
    }

    private static void layers(StringBuilder h, List<LayerEntry> layers) {
        h.append("<h2>Layers</h2>\n<table class=\"layers\">\n<tr><th>#</th><th>Layer</th><th>Op</th><th>Shape</th>"
                + "<th>Bits</th><th>Group</th><th>Grid</th><th>Method</th><th>RTN rel. error</th><th>Final rel. error</th>"
                + "<th>Final / RTN</th><th>Sweeps</th><th>Time</th><th>Backend</th><th>Guards</th></tr>\n");
        for (int k = 0; k < layers.size(); k++) {
            LayerEntry e = layers.get(k);
            double ratio = e.rtnRelError() > 0 ? e.relError() / e.rtnRelError() : Double.NaN;
            String cls = ratio < 1 ? "num better" : ratio > 1 ? "num worse" : "num";
            StringBuilder shape = new StringBuilder();
            for (int d : e.shape()) {
                shape.append(shape.length() == 0 ? "" : " \u00d7 ").append(d);
            }
            h.append("<tr><td class=\"num\">").append(k + 1).append("</td><td class=\"name\">").append(esc(e.name()))
                    .append("</td><td>").append(esc(e.op())).append("</td><td>").append(shape)
                    .append("</td><td class=\"num\">").append(e.bits()).append("</td><td class=\"num\">")
                    .append(e.groupSize() == 0 ? "channel" : Integer.toString(e.groupSize())).append("</td><td>")
                    .append(esc(e.grid())).append("</td><td>").append(esc(e.method())).append("</td><td class=\"num\">")
                    .append(sci(e.rtnRelError())).append("</td><td class=\"num\">").append(sci(e.relError()))
                    .append("</td><td class=\"").append(cls).append("\">")
                    .append(Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.3f", ratio))
                    .append("</td><td class=\"num\">").append(e.sweeps()).append("</td><td class=\"num\">")
                    .append(ms(e.timeMs())).append("</td><td>").append(esc(e.backend()))
                    .append(e.device() == null || e.device().isEmpty() ? "" : " (" + esc(e.device()) + ")")
                    .append("</td><td class=\"guards\">").append(esc(String.join("; ", e.guards()))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static void accuracy(StringBuilder h, AccuracyReport a) {
        h.append("<h2>Held-out accuracy (calibration ").append(esc(a.calibrationMode())).append(")</h2>\n");
        for (String w : a.warnings()) {
            h.append("<p class=\"worse\">").append(esc(w)).append("</p>\n");
        }
        if (a.layers().stream().anyMatch(l -> l.sensitivity() != null)) {
            bitsChart(h, a);
        }
        h.append("<table class=\"accuracy\">\n<tr><th>Layer</th><th>Bits</th><th>Method</th><th>Fit error</th>")
                .append("<th>Held-out error</th><th>Why</th><th>Candidates (fit / held-out)</th></tr>\n");
        for (AccuracyReport.Layer l : a.layers()) {
            h.append("<tr><td class=\"name\">").append(esc(l.name())).append("</td><td class=\"num\">")
                    .append(l.bits()).append("</td><td>").append(esc(l.method()))
                    .append("</td><td class=\"num\">").append(sci(l.fitRelError())).append("</td><td class=\"num")
                    .append(l.overfit() ? " worse" : "").append("\">")
                    .append(l.validationRelError() == null ? "" : sci(l.validationRelError()))
                    .append("</td><td class=\"guards\">").append(esc(l.reason())).append("</td><td class=\"guards\">");
            for (AccuracyReport.Candidate c : l.candidates()) {
                h.append(esc(c.method())).append(": ").append(sci(c.fitRelError())).append(" / ")
                        .append(c.validationRelError() == null ? "-" : sci(c.validationRelError())).append("<br/>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n");
        if (!a.worstSamples().isEmpty()) {
            h.append("<h2>Held-out samples that drifted most</h2>\n<table class=\"worst\">\n")
                    .append("<tr><th>Sample</th><th>Output</th><th>Cosine</th><th>Relative L2</th></tr>\n");
            for (AccuracyReport.SampleDrift d : a.worstSamples()) {
                h.append("<tr><td class=\"num\">").append(d.sample()).append("</td><td class=\"name\">")
                        .append(esc(d.output())).append("</td><td class=\"num\">")
                        .append(String.format(Locale.ROOT, "%.6f", d.cosine())).append("</td><td class=\"num\">")
                        .append(sci(d.relL2())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
    }

    /**
     * Mixed precision: per layer its bits and one bar per candidate bit width, the whole-model drift with that layer
     * alone quantized there (log scale over whole decades); the chosen width's bar is drawn in the final colour.
     */
    private static void bitsChart(StringBuilder h, AccuracyReport a) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        int longest = 8;
        int bars = 1;
        for (AccuracyReport.Layer l : a.layers()) {
            if (l.sensitivity() != null) {
                bars = Math.max(bars, l.sensitivity().size());
                for (double v : l.sensitivity().values()) {
                    if (v > 0 && Double.isFinite(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            longest = Math.max(longest, l.name().length());
        }
        int lo = max == 0 ? -6 : (int) Math.floor(Math.log10(min));
        int hi = max == 0 ? 0 : Math.max(lo + 1, (int) Math.ceil(Math.log10(max)));
        int label = Math.min(420, 16 + 7 * longest) + 40;
        int row = 6 + bars * 6;
        int top = 34;
        int width = label + CHART_WIDTH + 20;
        int height = top + row * a.layers().size() + 30;
        h.append(String.format(Locale.ROOT, "<p>Average %.3f bits per weight. Bars: whole-model drift "
                + "(1 - cosine on held-out samples) with the layer alone quantized at each candidate width; the "
                + "chosen width in blue.</p>\n", a.averageBits()));
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart bits\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
                .append(height).append("\" role=\"img\" aria-label=\"bits and sensitivity per layer\">\n");
        h.append("<text class=\"axis\" x=\"").append(label).append("\" y=\"16\">drift with the layer alone "
                + "quantized, log scale</text>\n");
        int bottom = top + row * a.layers().size();
        for (int d = lo; d <= hi; d++) {
            double x = label + (double) (d - lo) / (hi - lo) * CHART_WIDTH;
            h.append("<line class=\"grid\" x1=\"").append(fmt(x)).append("\" y1=\"").append(top - 4)
                    .append("\" x2=\"").append(fmt(x)).append("\" y2=\"").append(bottom).append("\"/>")
                    .append("<text class=\"axis\" text-anchor=\"middle\" x=\"").append(fmt(x)).append("\" y=\"")
                    .append(bottom + 16).append("\">1e").append(d).append("</text>\n");
        }
        for (int k = 0; k < a.layers().size(); k++) {
            AccuracyReport.Layer l = a.layers().get(k);
            int y = top + k * row;
            h.append("<g class=\"layer\"><text x=\"").append(label - 48).append("\" y=\"").append(y + row / 2 + 3)
                    .append("\" text-anchor=\"end\">").append(esc(l.name())).append("</text><text x=\"")
                    .append(label - 8).append("\" y=\"").append(y + row / 2 + 3).append("\" text-anchor=\"end\">")
                    .append(l.bits()).append(" b</text>\n");
            int b = 0;
            for (Map.Entry<String, Double> e : l.sensitivity() == null ? Map.<String, Double>of().entrySet()
                    : l.sensitivity().entrySet()) {
                double v = e.getValue();
                double w = v > 0 && Double.isFinite(v) ? Math.max(1, (Math.log10(v) - lo) / (hi - lo) * CHART_WIDTH)
                        : 0;
                String cls = e.getKey().equals(Integer.toString(l.bits())) ? "final" : "rtn";
                h.append("<rect class=\"bar ").append(cls).append("\" x=\"").append(label).append("\" y=\"")
                        .append(y + 3 + 6 * b).append("\" width=\"").append(fmt(w)).append("\" height=\"5\"><title>")
                        .append(esc(l.name())).append(' ').append(esc(e.getKey())).append(" bits: ").append(sci(v))
                        .append("</title></rect>\n");
                b++;
            }
            h.append("</g>\n");
        }
        h.append("</svg>\n");
    }

    private static void settings(StringBuilder h, Map<String, String> settings) {
        if (settings.isEmpty()) {
            return;
        }
        h.append("<h2>Settings</h2>\n<table class=\"settings\">\n");
        settings.forEach((k, v) -> row(h, k, v));
        h.append("</table>\n");
    }

    private static void artifacts(StringBuilder h, List<Artifact> artifacts) {
        if (artifacts.isEmpty()) {
            return;
        }
        h.append("<h2>Files written</h2>\n<table class=\"artifacts\">\n<tr><th>File</th><th>Size</th><th>SHA-256</th></tr>\n");
        for (Artifact a : artifacts) {
            h.append("<tr><td class=\"name\">").append(esc(a.path())).append("</td><td class=\"num\">")
                    .append(String.format(Locale.ROOT, "%,d", a.bytes())).append("</td><td class=\"hash\">")
                    .append(esc(a.sha256())).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** Escapes text for element content and attribute values. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '&':
                    b.append("&amp;");
                    break;
                case '<':
                    b.append("&lt;");
                    break;
                case '>':
                    b.append("&gt;");
                    break;
                case '"':
                    b.append("&quot;");
                    break;
                case '\'':
                    b.append("&#39;");
                    break;
                default:
                    // control characters are not allowed in XML 1.0 documents
                    b.append(c < 0x20 && c != '\n' && c != '\t' ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    private static String sci(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.4g", v);
    }

    private static String fixed(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String ms(double v) {
        return v >= 1000 ? String.format(Locale.ROOT, "%.2f s", v / 1000) : String.format(Locale.ROOT, "%.1f ms", v);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
