/**
 * A run's curves as plot series (the `training` plot of the renderers): training loss per step,
 * training loss per epoch and every validation metric per epoch, all against the step so the two
 * granularities share one axis. Pure: tested in Node; curves.ts and compare.ts draw them.
 */
import type { PlotPayload, Series } from '../../kernel/notebook/display/payload-types';
import type { RunRow } from './records';

/** Series of one run; `prefix` names the run when several runs share a plot. */
export function curveSeries(row: RunRow, prefix = ''): Series[] {
  const name = (s: string) => (prefix ? `${prefix}: ${s}` : s);
  const series: Series[] = [];
  const steps = row.curves.steps;
  if (steps.length) series.push({ name: name('train_loss (step)'), x: steps.map(s => s.step), y: steps.map(s => s.loss) });
  const epochs = row.curves.epochs;
  const keys = [...new Set(epochs.flatMap(r => Object.keys(r)))].filter(k => k === 'train_loss' || k.startsWith('valid_'));
  for (const k of keys) {
    const points = epochs.filter(r => k in r);
    series.push({ name: name(k === 'train_loss' ? 'train_loss (epoch)' : k), x: points.map(r => r.step as number), y: points.map(r => r[k]) });
  }
  return series;
}

/** The plot payload of `rows`' curves overlaid (one run: unprefixed), or null when none has points. */
export function curvesPayload(rows: readonly RunRow[], title: string): PlotPayload | null {
  const series = rows.flatMap(r => curveSeries(r, rows.length > 1 ? r.name : ''));
  if (!series.length) return null;
  return { version: 1, title, plot: { kind: 'training', series, xLabel: 'step', yLabel: 'loss / metric' } };
}
