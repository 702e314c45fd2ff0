/**
 * The runs a notebook made, read from its outputs: the `%neurostorm` magics put each run's record
 * (run folder, task, mode, status, manifest, evaluation, checkpoints) in the metadata of the output
 * that presents it, under `neurostorm_run` (written by kernel/notebook/magic/run-record.ts; the
 * extension may not import kernel code, so the shape is read defensively here). The latest record of
 * each run folder wins: an evaluation after a finetune adds the metrics.
 */

export const RUN_RECORD_KEY = 'neurostorm_run';

export interface MetricCell {
  value: number | null;
  ci: [number | null, number | null] | null;
}

export interface RunRow {
  run: string;
  /** Last folder name of the run. */
  name: string;
  task: string;
  mode: string;
  status: string;
  /** The headline metric of the evaluation and the baseline's, when evaluated. */
  metric: { name: string; model: MetricCell; baseline: MetricCell | null; baselineName: string | null } | null;
  checkpoints: string[];
  dataHash: string | null;
}

interface CellJson {
  outputs?: { metadata?: Record<string, unknown> }[];
}

/** The metric shown first, by task type: what the evaluation reports that the others do not. */
const HEADLINE = ['auroc', 'rank1', 'pearson_r', 'balanced_accuracy', 'accuracy', 'mae', 'mse'];

const str = (v: unknown, fallback = '–'): string => (typeof v === 'string' && v ? v : fallback);

function metricCell(v: unknown): MetricCell | null {
  if (!v || typeof v !== 'object') return null;
  const m = v as { value?: unknown; ci?: unknown };
  const value = typeof m.value === 'number' ? m.value : null;
  const ci = Array.isArray(m.ci) && m.ci.length === 2 ? ([typeof m.ci[0] === 'number' ? m.ci[0] : null, typeof m.ci[1] === 'number' ? m.ci[1] : null] as [number | null, number | null]) : null;
  return { value, ci };
}

function rowOf(r: Record<string, unknown>): RunRow {
  const run = str(r.run, '');
  const evaluation = (r.evaluation ?? null) as { metrics?: Record<string, unknown>; baseline?: { name?: unknown; metrics?: Record<string, unknown> } | null } | null;
  let metric: RunRow['metric'] = null;
  if (evaluation?.metrics) {
    const name = HEADLINE.find(k => k in (evaluation.metrics as object)) ?? Object.keys(evaluation.metrics)[0];
    const model = name ? metricCell(evaluation.metrics[name]) : null;
    if (name && model) {
      const base = evaluation.baseline?.metrics ? metricCell(evaluation.baseline.metrics[name]) : null;
      metric = { name, model, baseline: base, baselineName: evaluation.baseline ? str(evaluation.baseline.name, 'baseline') : null };
    }
  }
  const manifest = (r.manifest ?? null) as { data?: { content_sha256?: unknown } } | null;
  return {
    run,
    name: run.split(/[\\/]/).filter(Boolean).pop() ?? run,
    task: str(r.task),
    mode: str(r.mode),
    status: str(r.status, 'unknown'),
    metric,
    checkpoints: Array.isArray(r.checkpoints) ? r.checkpoints.filter((c): c is string => typeof c === 'string') : [],
    dataHash: typeof manifest?.data?.content_sha256 === 'string' ? manifest.data.content_sha256 : null
  };
}

/** The runs recorded in `cells`' outputs, in order of first appearance, each with its latest record. */
export function runsOfCells(cells: readonly CellJson[]): RunRow[] {
  const latest = new Map<string, Record<string, unknown>>();
  for (const cell of cells) {
    for (const output of cell.outputs ?? []) {
      const record = output.metadata?.[RUN_RECORD_KEY];
      if (record && typeof record === 'object' && typeof (record as { run?: unknown }).run === 'string') {
        latest.set((record as { run: string }).run, record as Record<string, unknown>);
      }
    }
  }
  return [...latest.values()].map(rowOf);
}

/** `0.812 [0.70, 0.93]`, or `–`. */
export function formatMetric(m: MetricCell | null): string {
  if (!m || m.value === null) return '–';
  const f = (x: number | null) => (x === null ? '?' : x.toFixed(2));
  return m.ci ? `${m.value.toFixed(3)} [${f(m.ci[0])}, ${f(m.ci[1])}]` : m.value.toFixed(3);
}
