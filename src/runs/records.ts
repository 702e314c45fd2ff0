/**
 * The runs a notebook made, read from its outputs: the `%neurostorm` magics put each run's record
 * (run folder, task, mode, status, manifest, evaluation, checkpoints, config, curves) in the
 * metadata of the output that presents it, under `neurostorm_run` (written by
 * kernel/notebook/magic/run-record.ts; the extension may not import kernel code, so the shape is
 * read defensively here). The latest record of each run folder wins: an evaluation after a finetune
 * adds the metrics.
 *
 * Live status: while a run trains, its progress display (PROGRESS_MIME, replaced in place by
 * update_display_data) carries the run's record too, so the latest progress payload of a run gives
 * its step, epoch, loss and validation metric, and its state (running / done / error / interrupted)
 * is the run's status until a later record (the finished cell's table) says otherwise. The panel
 * thus follows the kernel's own messages: no polling, no access to the run folder needed, and a
 * saved notebook keeps the last state it showed.
 */
import { PROGRESS_MIME, type ProgressPayload } from '../../kernel/notebook/display/payload-types';

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
  /** The latest progress of the run while (or when last) it trained; null when none was shown. */
  live: LiveState | null;
  /** run.json without format and status (compare view). */
  config: Record<string, unknown>;
  /** Every evaluation metric of the run and of its baseline (compare view). */
  metrics: Record<string, MetricCell>;
  baselineMetrics: Record<string, MetricCell>;
  curves: Curves;
}

export interface LiveState {
  state: ProgressPayload['state'];
  step: number;
  totalSteps: number | null;
  epoch: number | null;
  loss: number | null;
  /** The validation metric, once an epoch has ended (`valid_auroc`, ...). */
  valid: { name: string; value: number | null } | null;
}

export interface Curves {
  /** metrics.jsonl rows: step, epoch, train_loss, lr, valid_*. */
  epochs: Record<string, number | null>[];
  steps: { step: number; epoch: number; loss: number | null }[];
}

interface CellJson {
  outputs?: { metadata?: Record<string, unknown>; data?: Record<string, unknown> }[];
}

/** A progress state as a run status (the words of run.json). */
const STATUS_OF: Record<ProgressPayload['state'], string> = { running: 'running', done: 'done', error: 'failed', interrupted: 'interrupted' };

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

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function metricsOf(v: unknown): Record<string, MetricCell> {
  const out: Record<string, MetricCell> = {};
  if (!v || typeof v !== 'object') return out;
  for (const [k, m] of Object.entries(v)) {
    const cell = metricCell(m);
    if (cell) out[k] = cell;
  }
  return out;
}

function curvesOf(v: unknown): Curves {
  const c = (v && typeof v === 'object' ? v : {}) as { epochs?: unknown; steps?: unknown };
  const epochs = Array.isArray(c.epochs)
    ? c.epochs.filter((r): r is Record<string, unknown> => !!r && typeof r === 'object' && num((r as { step?: unknown }).step) !== null).map(r => Object.fromEntries(Object.entries(r).map(([k, x]) => [k, num(x)])))
    : [];
  const steps = Array.isArray(c.steps)
    ? c.steps
        .filter((s): s is Record<string, unknown> => !!s && typeof s === 'object' && num((s as { step?: unknown }).step) !== null)
        .map(s => ({ step: s.step as number, epoch: num(s.epoch) ?? 0, loss: num(s.loss) }))
    : [];
  return { epochs, steps };
}

/** The live state of a progress payload (checked field by field: outputs come from the kernel). */
export function liveOf(p: unknown): LiveState | null {
  if (!p || typeof p !== 'object') return null;
  const q = p as Partial<ProgressPayload>;
  if (typeof q.state !== 'string' || !(q.state in STATUS_OF) || typeof q.step !== 'number') return null;
  const metrics = (q.metrics && typeof q.metrics === 'object' ? q.metrics : {}) as Record<string, unknown>;
  const validName = Object.keys(metrics).find(k => k.startsWith('valid_'));
  return {
    state: q.state,
    step: q.step,
    totalSteps: num(q.totalSteps),
    epoch: num(q.epoch),
    loss: num(metrics.loss),
    valid: validName ? { name: validName, value: num(metrics[validName]) } : null
  };
}

/** `running · step 3/8 · epoch 1 · loss 0.693 · valid_auroc 0.750`, or `–`. */
export function formatLive(l: LiveState | null): string {
  if (!l) return '–';
  const parts = [l.totalSteps === null ? `step ${l.step}` : `step ${l.step}/${l.totalSteps}`];
  if (l.epoch !== null) parts.push(`epoch ${l.epoch + 1}`);
  if (l.loss !== null) parts.push(`loss ${l.loss.toFixed(3)}`);
  if (l.valid) parts.push(`${l.valid.name} ${l.valid.value === null ? 'NaN' : l.valid.value.toFixed(3)}`);
  return parts.join(' · ');
}

function rowOf(r: Record<string, unknown>, live: LiveState | null, fromProgress: boolean): RunRow {
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
    // The progress state is newer than the record it carries (read when the display appeared or at
    // the last epoch end); a later table's record is final.
    status: fromProgress && live ? STATUS_OF[live.state] : str(r.status, 'unknown'),
    metric,
    checkpoints: Array.isArray(r.checkpoints) ? r.checkpoints.filter((c): c is string => typeof c === 'string') : [],
    dataHash: typeof manifest?.data?.content_sha256 === 'string' ? manifest.data.content_sha256 : null,
    live,
    config: r.config && typeof r.config === 'object' ? (r.config as Record<string, unknown>) : {},
    metrics: metricsOf(evaluation?.metrics),
    baselineMetrics: metricsOf(evaluation?.baseline?.metrics),
    curves: curvesOf(r.curves)
  };
}

/**
 * The runs recorded in `cells`' outputs, in order of first appearance, each with its latest record
 * and the latest progress shown for it.
 */
export function runsOfCells(cells: readonly CellJson[]): RunRow[] {
  const latest = new Map<string, { record: Record<string, unknown>; fromProgress: boolean }>();
  const live = new Map<string, LiveState>();
  for (const cell of cells) {
    for (const output of cell.outputs ?? []) {
      const record = output.metadata?.[RUN_RECORD_KEY];
      if (record && typeof record === 'object' && typeof (record as { run?: unknown }).run === 'string') {
        const run = (record as { run: string }).run;
        const progress = liveOf(output.data?.[PROGRESS_MIME]);
        if (progress) live.set(run, progress);
        latest.set(run, { record: record as Record<string, unknown>, fromProgress: progress !== null });
      }
    }
  }
  return [...latest.entries()].map(([run, { record, fromProgress }]) => rowOf(record, live.get(run) ?? null, fromProgress));
}

/** `0.812 [0.70, 0.93]`, or `–`. */
export function formatMetric(m: MetricCell | null): string {
  if (!m || m.value === null) return '–';
  const f = (x: number | null) => (x === null ? '?' : x.toFixed(2));
  return m.ci ? `${m.value.toFixed(3)} [${f(m.ci[0])}, ${f(m.ci[1])}]` : m.value.toFixed(3);
}
