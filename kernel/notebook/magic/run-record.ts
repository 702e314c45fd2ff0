/**
 * A run's provenance, carried in the metadata of the output that presents it, so the notebook
 * itself says how its numbers were made: the run folder, its run.json summary (task, mode, status,
 * seed), manifest.json (data hash, seeds, versions, provider, machine, metrics) and, once evaluated,
 * the metrics beside the baseline. `neurostorm run` lifts these records into the notebook's metadata
 * (kernel/verbs/jupyter/provenance.ts); the runs panel in JupyterLab reads them from the outputs.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { MimeBundle } from '../../verbs/jupyter/wire';

/** Output-metadata key of a run record. */
export const RUN_RECORD_KEY = 'neurostorm_run';

export interface RunRecordMeta {
  /** Absolute run folder. */
  run: string;
  kind: string | null;
  task: string | null;
  mode: string | null;
  status: string | null;
  seed: number | null;
  manifest: Record<string, unknown> | null;
  evaluation: { metrics: Record<string, unknown>; baseline: unknown } | null;
  checkpoints: string[];
  /** run.json without format and status: what the runs panel compares between two runs. */
  config: Record<string, unknown> | null;
  /**
   * Curves for the runs panel, so a shared notebook draws them without the run folder: the
   * metrics.jsonl rows (one per epoch) and the training loss per step from events.jsonl, thinned
   * to at most MAX_STEP_POINTS (a long run's record stays a few kB).
   */
  curves: { epochs: Record<string, unknown>[]; steps: { step: number; epoch: number; loss: number | null }[] };
}

/** Step points kept in a record's curve; longer runs keep every k-th step and the last. */
const MAX_STEP_POINTS = 400;

function readJsonl(file: string): Record<string, unknown>[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Record<string, unknown>);
  } catch {
    return [];
  }
}

/** Per-step losses of events.jsonl (epoch-end events carry the epoch mean and a metric: left out). */
function stepLosses(events: readonly Record<string, unknown>[]): RunRecordMeta['curves']['steps'] {
  const steps = events
    .filter(e => typeof e.step === 'number' && (typeof e.loss === 'number' || e.loss === null) && e.metric === undefined)
    .map(e => ({ step: e.step as number, epoch: typeof e.epoch === 'number' ? e.epoch : 0, loss: e.loss as number | null }));
  if (steps.length <= MAX_STEP_POINTS) return steps;
  const every = Math.ceil(steps.length / MAX_STEP_POINTS);
  return steps.filter((_, i) => i % every === 0 || i === steps.length - 1);
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The record of run folder `run` as it is now (files absent so far are null). */
export function runRecord(run: string): RunRecordMeta {
  const dir = path.resolve(run);
  const info = readJson(path.join(dir, 'run.json')) ?? {};
  const evaluation = readJson(path.join(dir, 'evaluation.json'));
  const ckpt = path.join(dir, 'checkpoints');
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    run: dir,
    kind: str(info.kind),
    task: str(info.task),
    mode: str(info.mode),
    status: str(info.status),
    seed: typeof info.seed === 'number' ? info.seed : null,
    manifest: readJson(path.join(dir, 'manifest.json')),
    evaluation: evaluation ? { metrics: (evaluation.metrics as Record<string, unknown>) ?? {}, baseline: evaluation.baseline ?? null } : null,
    // Checkpoint folders only (best, last, fold-i), not files beside them or atomic-write leftovers.
    checkpoints: fs.existsSync(ckpt) ? fs.readdirSync(ckpt, { withFileTypes: true }).filter(e => e.isDirectory() && !e.name.includes('.tmp-') && !e.name.includes('.old-')).map(e => e.name).sort() : [],
    config: Object.keys(info).length ? Object.fromEntries(Object.entries(info).filter(([k]) => k !== 'format' && k !== 'status')) : null,
    curves: { epochs: readJsonl(path.join(dir, 'metrics.jsonl')), steps: stepLosses(readJsonl(path.join(dir, 'events.jsonl'))) }
  };
}

/** `bundle` with the record of `run` in its metadata. */
export function withRunRecord(bundle: MimeBundle, run: string): MimeBundle {
  return { ...bundle, metadata: { ...(bundle.metadata ?? {}), [RUN_RECORD_KEY]: runRecord(run) } };
}
