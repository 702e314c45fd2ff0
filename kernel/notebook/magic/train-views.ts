/**
 * Training curves of a run for the notebook: from RUN/metrics.jsonl rows after the run, and live
 * from TrainProgressEvents while it runs (one plot updated in place, as the loss comes in).
 */
import { randomBytes } from 'crypto';
import { ProgressEvent } from '../../progress';
import { hasDisplaySink, display, updateDisplay } from '../display/display';
import { Series } from '../display/payload-types';
import { plot, PlotView } from '../display/plot-view';

/** Numbers finite or null: JSON cannot carry NaN, the plot shows a gap. */
const finiteOrNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

/** Loss and validation curves against the step, from metrics.jsonl rows; null when there are none. */
export function trainingCurve(rows: readonly Record<string, number>[], title: string): PlotView | null {
  const withStep = rows.filter(r => Number.isFinite(r.step));
  if (!withStep.length) return null;
  const keys = [...new Set(withStep.flatMap(r => Object.keys(r)))].filter(k => k === 'train_loss' || k.startsWith('valid_'));
  const series: Series[] = keys.map(k => {
    const points = withStep.filter(r => k in r);
    return { name: k, x: points.map(r => r.step), y: points.map(r => finiteOrNull(r[k])) };
  });
  if (!series.length) return null;
  return plot({ kind: 'training', series, xLabel: 'step', yLabel: 'value' }, { title });
}

/** Fields a training loop adds to its progress events (kernel/train/loop.ts). */
interface TrainFields {
  loss?: number;
  metric?: { name: string; value: number };
}

/** Steps between redraws of the live curve (the PNG fallback is drawn each time). */
const REDRAW_EVERY = 5;

/**
 * A training curve that grows in place from progress events carrying a loss; shown with the first
 * such event, updated every few steps and at each validation.
 */
export function liveTrainingCurve(title: string): (event: ProgressEvent) => void {
  const displayId = randomBytes(8).toString('hex');
  const loss: Series = { name: 'train_loss', x: [], y: [] };
  const valid = new Map<string, Series>();
  let shown = false;
  let sinceDraw = 0;
  return event => {
    const e = event as ProgressEvent & TrainFields;
    if (e.loss === undefined && e.metric === undefined) return;
    if (e.loss !== undefined) {
      loss.x.push(e.step);
      loss.y.push(finiteOrNull(e.loss));
    }
    if (e.metric) {
      const name = `valid_${e.metric.name}`;
      const s = valid.get(name) ?? { name, x: [], y: [] };
      s.x.push(e.step);
      s.y.push(finiteOrNull(e.metric.value));
      valid.set(name, s);
    }
    if (!hasDisplaySink()) return;
    if (shown && ++sinceDraw < REDRAW_EVERY && !e.metric) return;
    sinceDraw = 0;
    const series = [loss, ...valid.values()].filter(s => s.x.length > 0);
    const view = plot({ kind: 'training', series, xLabel: 'step', yLabel: 'value' }, { title });
    if (shown) updateDisplay(view, displayId);
    else display(view, displayId);
    shown = true;
  };
}
