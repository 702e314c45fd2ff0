/**
 * Plots of an evaluation for the notebook, with the FC baseline beside the model wherever the
 * evaluation has it (issue 12: "our users must always see both"): ROC curves, confusion matrices,
 * predicted-vs-true scatter, and the re-identification rank curve.
 */
import type { Evaluation, MetricValue } from '../../eval';
import type { RocCurve } from '../display/payload-types';
import { plot, PlotView } from '../display/plot-view';

type Roc = NonNullable<Evaluation['curves']['roc']>['model'];
type Pairs = NonNullable<Evaluation['curves']['predicted']>['model'];

/** Area under an ROC polyline (trapezoids), for per-class curves whose AUROC is not reported alone. */
function curveArea(fpr: readonly number[], tpr: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return Math.min(Math.max(area, 0), 1);
}

function rocCurves(who: string, roc: Roc, classes: string[] | undefined, auroc: MetricValue | undefined): RocCurve[] {
  // A curve needs both classes among the scored subjects; a one-class split has none worth drawing.
  return (roc ?? []).filter(c => c.fpr.length >= 2).map(c => {
    const name = c.class === undefined ? who : `${who}: ${classes?.[c.class] ?? `class ${c.class}`}`;
    const auc = c.class === undefined && auroc?.value != null ? auroc.value : curveArea(c.fpr, c.tpr);
    return { label: name, fpr: c.fpr, tpr: c.tpr, auc };
  });
}

function scatter(pairs: Pairs, r: MetricValue | undefined, title: string): PlotView | null {
  if (!pairs?.length) return null;
  return plot(
    {
      kind: 'scatter',
      x: pairs.map(p => p.true),
      y: pairs.map(p => p.predicted),
      r: r?.value ?? 0,
      xLabel: 'true',
      yLabel: 'predicted',
      pointLabels: pairs.map(p => p.subject)
    },
    { title }
  );
}

/** Every plot the evaluation supports, model and baseline side by side. */
export function evaluationPlots(e: Evaluation): PlotView[] {
  const views: PlotView[] = [];
  const baselineName = e.baseline?.name ?? 'baseline';
  const { roc, rank, predicted } = e.curves;
  if (roc) {
    const curves = [
      ...rocCurves('model', roc.model, e.classes, e.metrics.auroc),
      ...rocCurves(baselineName, roc.baseline, e.classes, e.baseline?.metrics.auroc)
    ];
    if (curves.length) views.push(plot({ kind: 'roc', curves }, { title: `${e.task}: ROC, model and ${baselineName}` }));
  }
  if (e.confusion) {
    const labels = e.confusion.classes;
    views.push(plot({ kind: 'confusion', labels, matrix: e.confusion.model, normalized: false }, { title: `${e.task}: confusion, model` }));
    if (e.confusion.baseline)
      views.push(
        plot({ kind: 'confusion', labels, matrix: e.confusion.baseline, normalized: false }, { title: `${e.task}: confusion, ${baselineName}` })
      );
  }
  if (predicted) {
    const model = scatter(predicted.model, e.metrics.pearson_r, `${e.task}: predicted vs true, model`);
    const base = scatter(predicted.baseline, e.baseline?.metrics.pearson_r, `${e.task}: predicted vs true, ${baselineName}`);
    for (const v of [model, base]) if (v) views.push(v);
  }
  if (rank) {
    const curve = (label: string, r: number[]) => ({ label, rank: r.map((_, i) => i + 1), accuracy: r });
    const curves = [curve('model', rank.model), ...(rank.baseline ? [curve(baselineName, rank.baseline)] : [])];
    views.push(plot({ kind: 'rank', curves }, { title: `${e.task}: rank curve (${e.protocol ?? 'retrieval'})` }));
  }
  return views;
}
