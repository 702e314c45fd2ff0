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
    checkpoints: fs.existsSync(ckpt) ? fs.readdirSync(ckpt, { withFileTypes: true }).filter(e => e.isDirectory() && !e.name.includes('.tmp-') && !e.name.includes('.old-')).map(e => e.name).sort() : []
  };
}

/** `bundle` with the record of `run` in its metadata. */
export function withRunRecord(bundle: MimeBundle, run: string): MimeBundle {
  return { ...bundle, metadata: { ...(bundle.metadata ?? {}), [RUN_RECORD_KEY]: runRecord(run) } };
}
