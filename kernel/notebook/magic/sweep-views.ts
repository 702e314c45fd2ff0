/**
 * The plot of a gathered sweep: the headline metric's values across seeds for each setting (the
 * sweep point without its seed), and the FC baseline's beside them, as one distribution plot.
 */
import type { SweepRow } from '../../cluster';
import { pointName } from '../../cluster';
import { plot, PlotView } from '../display/plot-view';

/** The metric a sweep is judged by: the task's headline metric when it has one. */
const HEADLINE = ['auroc', 'pearson_r', 'rank1', 'balanced_accuracy', 'r2'];

export function sweepPlot(rows: readonly SweepRow[]): PlotView | null {
  if (!rows.length) return null;
  const names = Object.keys(rows[0].metrics);
  const metric = HEADLINE.find(m => names.includes(m)) ?? names[0];
  if (!metric) return null;
  const groups = new Map<string, number[]>();
  const push = (name: string, value: number | null | undefined) => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    groups.set(name, [...(groups.get(name) ?? []), value]);
  };
  for (const row of rows) {
    const { seed: _seed, ...setting } = row.point;
    push(Object.keys(setting).length ? pointName(setting) : 'model', row.metrics[metric]?.value);
  }
  // The baseline depends on the split (the seed), not on the mode: one value per seed.
  const baseName = rows.find(r => r.baseline)?.baseline?.name ?? 'baseline';
  const perSeed = new Map<string, number | null | undefined>();
  for (const row of rows) perSeed.set(row.point.seed ?? pointName(row.point), row.baseline?.metrics[metric]?.value);
  for (const value of perSeed.values()) push(baseName, value);
  return plot(
    { kind: 'distribution', variable: metric, groups: [...groups].map(([name, values]) => ({ name, values })) },
    { title: `sweep: ${metric} per setting across seeds, ${baseName} beside` }
  );
}
