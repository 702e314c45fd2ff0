/**
 * What the compare view shows for two runs, as rows of text: their configurations (run.json) key
 * by key with the keys that differ marked, and their evaluation metrics with 95% intervals, each
 * beside its own baseline. Pure: tested in Node; compare.ts places these strings.
 */
import { formatMetric, type RunRow } from './records';

export interface ConfigRow {
  key: string;
  a: string;
  b: string;
  differs: boolean;
}

/** A config value as text: strings as they are, the rest as JSON; absent as `–`. */
function valueText(v: unknown): string {
  if (v === undefined) return '–';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Every key of either config, in the order of `a` then the keys only `b` has. */
export function configRows(a: RunRow, b: RunRow): ConfigRow[] {
  const keys = [...new Set([...Object.keys(a.config), ...Object.keys(b.config)])];
  return keys.map(key => {
    const ta = valueText(a.config[key]);
    const tb = valueText(b.config[key]);
    return { key, a: ta, b: tb, differs: ta !== tb };
  });
}

export interface MetricCompareRow {
  metric: string;
  a: string;
  aBaseline: string;
  b: string;
  bBaseline: string;
}

/** Metrics either run was evaluated on, each run's value beside its own baseline's. */
export function metricCompareRows(a: RunRow, b: RunRow): MetricCompareRow[] {
  const names = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])];
  return names.map(metric => ({
    metric,
    a: formatMetric(a.metrics[metric] ?? null),
    aBaseline: formatMetric(a.baselineMetrics[metric] ?? null),
    b: formatMetric(b.metrics[metric] ?? null),
    bBaseline: formatMetric(b.baselineMetrics[metric] ?? null)
  }));
}
