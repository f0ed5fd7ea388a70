/**
 * The whole-model report: {@link io.comq.report.ModelReport} (per-layer {@link io.comq.report.LayerEntry} rows,
 * {@link io.comq.report.Totals}, optional output {@link io.comq.report.Drift}, written
 * {@link io.comq.report.Artifact}s) and {@link io.comq.report.Reports}, which writes it as {@code report.json} and a
 * self-contained {@code report.html}.
 */
package io.comq.report;
