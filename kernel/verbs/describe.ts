/**
 * Descriptions of verb results that both front ends show the same way: the line of a loaded model,
 * the rows of a metrics table (model and baseline side by side, each with its 95% interval).
 */
import type { MetricValue } from '../eval';
import { ModelResult } from './results';

/** The one-line description of a loaded model both front ends print. */
export function describeModel(r: ModelResult): string {
  const c = r.model.config;
  return (
    `loaded ${r.source}: ${c.arch}, input ${c.imgSize.join('x')}, embed ${c.embedDim}, depths [${c.depths.join(', ')}], ` +
    `heads [${c.heads.map(h => h.kind).join(', ') || 'none'}], prompts ${c.promptLen}, ${r.parameters.toLocaleString('en-US')} parameters`
  );
}

/** One row per metric: name, model value, its interval, baseline value, its interval. */
export type MetricRow = [string, number | null, string, number | null, string];

function interval(v: MetricValue | undefined): string {
  if (!v) return '';
  const [lo, hi] = v.ci;
  const f = (x: number | null) => (x === null ? 'n/a' : Number(x.toPrecision(3)).toString());
  return `[${f(lo)}, ${f(hi)}]`;
}

/** The metrics of a model and (when there is one) its baseline, in the model's metric order. */
export function metricRows(
  model: Record<string, MetricValue>,
  baseline: Record<string, MetricValue> | null | undefined
): MetricRow[] {
  const names = [...new Set([...Object.keys(model), ...Object.keys(baseline ?? {})])];
  return names.map(name => [
    name,
    model[name]?.value ?? null,
    interval(model[name]),
    baseline?.[name]?.value ?? null,
    interval(baseline?.[name])
  ]);
}

/** The rows as aligned text (numbers with 4 significant digits), headed, for terminals. */
export function formatMetricRows(rows: readonly MetricRow[], baselineName: string | null): string {
  const head = ['metric', 'model', '95% CI', baselineName ? `baseline (${baselineName})` : 'baseline', '95% CI'];
  const cells = rows.map(r => r.map(c => (c === null ? 'n/a' : typeof c === 'number' ? Number(c.toPrecision(4)).toString() : c)));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map(r => r[i].length)));
  return [head, ...cells].map(r => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
