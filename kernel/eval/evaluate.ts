/**
 * `ns.evaluate(RUN)` / `neurostorm evaluate RUN --json`: the model's metrics on a finished run folder
 * (official semantics, spec §5, see aggregate.ts), each with a 95% subject-bootstrap interval, the
 * FC baseline beside it (baseline.ts), and the data behind the plots. Writes RUN/evaluation.json
 * atomically and returns the same object.
 *
 * The JSON's required part is the run-folder contract's: {task, metrics: {name: {value, ci}},
 * baseline: {name, metrics}, subjects: {train, validation, test}}; the rest (curves, confusion,
 * protocol, split, bootstrap settings) is for plots and for reading the numbers right.
 */
import * as path from 'path';
import { writeFileAtomic } from '../io/atomic';
import { LongWorkOptions } from '../progress';
import { scoredRows } from './aggregate';
import { baseline, BaselineResult } from './baseline';
import { BOOTSTRAP_DEFAULTS, BootstrapOptions } from './bootstrap';
import { QueryResult, retrieve, RetrievalRun } from './retrieval';
import { evaluatedSplit, EvaluatedSplit, readRunFolder, RunFolder } from './run-folder';
import { MetricValue, PlotData, scoreQueries, scoreRows, ScoreTable, TaskType } from './scores';

export interface EvaluateOptions extends LongWorkOptions {
  /** Bootstrap resamples (default 1000) and seed (default: run.json seed, else 0). */
  bootstrap?: BootstrapOptions;
  /** false skips the FC baseline (its entry is then null). */
  baseline?: boolean;
  /** Baseline atlas (default: the embedded atlas). */
  atlas?: string;
  /** Baseline ROI-series cache folder (see BaselineOptions.cacheDir). */
  cacheDir?: string | null;
  /** Do not write RUN/evaluation.json. */
  dryRun?: boolean;
}

export interface Evaluation {
  task: string;
  metrics: Record<string, MetricValue>;
  baseline: { name: string; metrics: Record<string, MetricValue> } | null;
  subjects: { train: number; validation: number; test: number };
  type: TaskType;
  level: 'subject' | 'clip';
  /** Which predictions were scored (test, or validation when the run has no test split). */
  split: EvaluatedSplit;
  folds: number;
  /** Re-identification protocol of rank1/map. */
  protocol?: RetrievalRun['protocol'];
  classes?: string[];
  /** Units scored: subjects (subject level), clips, or retrieval queries. */
  units: number;
  bootstrap: { reps: number; seed: number; level: number; unit: 'subject' };
  curves: {
    roc?: { model: PlotData['roc']; baseline?: PlotData['roc'] };
    rank?: { model: number[]; baseline?: number[] };
    predicted?: { model: PlotData['pairs']; baseline?: PlotData['pairs'] };
  };
  confusion?: { classes: string[]; model: number[][]; baseline?: number[][] };
  /** Baseline details: atlas, regions, chosen lambdas. */
  baselineDetails?: Omit<BaselineResult, 'metrics' | 'plots'>;
}

/** Subject counts of split.json: with k folds, test = every tested subject; train/validation per fold (mean). */
function subjectCounts(folder: RunFolder): Evaluation['subjects'] {
  const k = folder.folds.length;
  const mean = (key: 'train' | 'validation') => Math.round(folder.folds.reduce((a, f) => a + f[key].length, 0) / k);
  return { train: mean('train'), validation: mean('validation'), test: new Set(folder.folds.flatMap(f => f.test)).size };
}

function modelTable(folder: RunFolder, split: EvaluatedSplit, bootstrap: BootstrapOptions): { table: ScoreTable; units: number; protocol?: RetrievalRun['protocol'] } {
  const clips = folder.clips.filter(c => c.split === split);
  const file = path.join(folder.dir, 'predictions.json');
  if (folder.run.type === 'reid') {
    // Retrieval within each fold's evaluated clips (one model per fold), queries pooled.
    const queries: QueryResult[] = [];
    let protocol: RetrievalRun['protocol'] = 'leave-one-out';
    folder.folds.forEach((_, f) => {
      const items = clips.filter(c => c.fold === f).map(c => ({ subject: c.subject, session: c.session, vector: c.output }));
      if (items.length === 0) return;
      const r = retrieve(items);
      protocol = r.protocol;
      queries.push(...r.queries);
    });
    return { table: scoreQueries(queries, bootstrap), units: queries.length, protocol };
  }
  const rows = scoredRows(clips, folder.run.level, file);
  return { table: scoreRows(folder.run.type, rows, folder.classes?.length ?? 0, bootstrap), units: rows.length };
}

/** Evaluates a run folder; writes RUN/evaluation.json (atomic) unless `dryRun`. */
export async function evaluate(run: string, options: EvaluateOptions = {}): Promise<Evaluation> {
  const folder = readRunFolder(run);
  const split = evaluatedSplit(folder);
  const bootstrap = {
    reps: options.bootstrap?.reps ?? BOOTSTRAP_DEFAULTS.reps,
    seed: options.bootstrap?.seed ?? folder.run.seed ?? BOOTSTRAP_DEFAULTS.seed,
    level: options.bootstrap?.level ?? BOOTSTRAP_DEFAULTS.level
  };
  const model = modelTable(folder, split, bootstrap);
  const base =
    options.baseline === false
      ? null
      : await baseline(folder, { atlas: options.atlas, cacheDir: options.cacheDir, bootstrap, split, onProgress: options.onProgress, signal: options.signal });
  const m = model.table.plots;
  const b = base?.plots;
  const result: Evaluation = {
    task: folder.run.task,
    metrics: model.table.metrics,
    baseline: base ? { name: base.name, metrics: base.metrics } : null,
    subjects: subjectCounts(folder),
    type: folder.run.type,
    level: folder.run.level,
    split,
    folds: folder.folds.length,
    ...(model.protocol ? { protocol: model.protocol } : {}),
    ...(folder.classes ? { classes: folder.classes } : {}),
    units: model.units,
    bootstrap: { ...bootstrap, unit: 'subject' },
    curves: {
      ...(m.roc ? { roc: { model: m.roc, baseline: b?.roc } } : {}),
      ...(m.rank ? { rank: { model: m.rank, baseline: b?.rank } } : {}),
      ...(m.pairs ? { predicted: { model: m.pairs, baseline: b?.pairs } } : {})
    },
    ...(m.confusion && folder.classes ? { confusion: { classes: folder.classes, model: m.confusion, baseline: b?.confusion } } : {})
  };
  if (base) {
    const details: Partial<BaselineResult> = { ...base };
    delete details.metrics;
    delete details.plots;
    result.baselineDetails = details as Evaluation['baselineDetails'];
  }
  if (!options.dryRun) await writeFileAtomic(path.join(folder.dir, 'evaluation.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}
