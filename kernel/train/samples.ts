/**
 * A BIDS dataset to labelled 20-frame clips for one task: openBids → the preprocessing caches
 * (kernel/data/preprocess.ts, reused when valid) → labels (kernel/data/labels.ts) → clips
 * (kernel/data/sampler.ts, non-overlapping as spec §6.2). Everything dropped on the way is returned
 * with its reason, so a run can report what it did not use.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import { DatasetError, UsageError } from '../errors';
import { BidsDataset, openBids } from '../data/bids';
import { preprocess, PreprocessedRun } from '../data/preprocess';
import { Clip, clipsOf } from '../data/sampler';
import {
  clipState,
  DroppedLabel,
  eventsFileOf,
  frameStates,
  participantLabels,
  readEvents,
  reidSubjects,
  stateSource,
  SubjectLabels
} from '../data/labels';
import type { LongWorkOptions } from '../progress';

/** The task families of the paper (spec §6.4) plus MAE pretraining. */
export type TaskName = 'sex' | 'age' | 'diagnosis' | 'state' | 'reid' | 'mae' | `phenotype:${string}`;
export type TaskType = 'binary' | 'multiclass' | 'regression' | 'reid' | 'mae';

export interface Sample {
  subject: string;
  session: string | null;
  /** Absolute path of the BIDS BOLD NIfTI. */
  bold: string;
  /** The preprocessed frame cache of the run. */
  cache: string;
  /** First frame in the cache's 0.8 s frame index. */
  start: number;
  frames: number;
  /** Class index, value in original units, or null (reid, mae). */
  target: number | null;
  /** Training class (reid: the subject's index among all labelled subjects; else = target's class or -1). */
  label: number;
}

/** The sampler's clip of a sample (what readBatch and batches read). */
export const sampleClip = (s: Pick<Sample, 'cache' | 'start' | 'frames' | 'subject'>): Clip => ({ cache: s.cache, start: s.start, length: s.frames, subject: s.subject });

export interface LabelledData {
  dataset: BidsDataset;
  cacheDir: string;
  task: TaskName;
  type: TaskType;
  level: 'subject' | 'clip';
  classes?: string[];
  samples: Sample[];
  /** Subject → stratum for splits (class name; "all" for regression, reid and mae). */
  strata: Map<string, string>;
  dropped: DroppedLabel[];
  /** What labelled the samples (column, state source), for the run's record. */
  source: string;
  /** SHA-256 over the caches' source hashes and options keys (the data content hash). */
  contentHash: string;
}

export interface SampleOptions extends LongWorkOptions {
  cacheDir?: string;
  /** Frames per clip (default 20). */
  frames?: number;
}

const PARTICIPANT_TASKS: Record<string, 'categorical' | 'continuous'> = { sex: 'categorical', age: 'continuous', diagnosis: 'categorical' };

/** Checks a task name (the CLI's --task); returns it typed. */
export function parseTask(task: string): TaskName {
  if (task in PARTICIPANT_TASKS || task === 'state' || task === 'reid' || task === 'mae') return task as TaskName;
  if (/^phenotype:.+/.test(task)) return task as TaskName;
  throw new UsageError(`unknown task "${task}"`, { hint: 'tasks: sex, age, diagnosis, state, reid, phenotype:COLUMN' });
}

/** A phenotype column is a regression target when every value is a number and more than 5 differ. */
function phenotypeKind(ds: BidsDataset, column: string): 'categorical' | 'continuous' {
  const labels = participantLabels(ds, column, 'categorical');
  const numeric = (labels.classes ?? []).every(c => Number.isFinite(Number(c)));
  return numeric && (labels.classes ?? []).length > 5 ? 'continuous' : 'categorical';
}

function contentHash(runs: readonly PreprocessedRun[]): string {
  const h = createHash('sha256');
  for (const r of [...runs].sort((a, b) => a.cache.localeCompare(b.cache))) h.update(`${r.header.source.sha256}:${r.header.source.optionsKey}\n`);
  return h.digest('hex');
}

/** Labelled clips of `data` (a BIDS folder, raw or fMRIPrep) for `task`. */
export async function labelledClips(data: string, task: TaskName, options: SampleOptions = {}): Promise<LabelledData> {
  const dataset = await openBids(path.resolve(data));
  if (dataset.runs.length === 0) throw new DatasetError('no usable BOLD runs in the dataset', { file: dataset.root, hint: 'check `neurostorm check DATASET`' });
  const { cacheDir, runs } = await preprocess(dataset, { cacheDir: options.cacheDir, signal: options.signal, onProgress: options.onProgress });
  const length = options.frames ?? 20;
  const samples: Sample[] = [];
  const strata = new Map<string, string>();
  let dropped: DroppedLabel[] = [];
  let type: TaskType;
  let level: 'subject' | 'clip' = 'subject';
  let classes: string[] | undefined;
  let source: string;
  const clipsOfRun = (r: PreprocessedRun) => clipsOf(r.cache, r.header, r.run.subject, { sequenceLength: length });
  const push = (r: PreprocessedRun, start: number, target: number | null, label: number) =>
    samples.push({ subject: r.run.subject, session: r.run.session, bold: r.run.file, cache: r.cache, start, frames: length, target, label });

  if (task === 'mae') {
    type = 'mae';
    source = 'unlabelled (MAE)';
    for (const r of runs) for (const c of clipsOfRun(r)) push(r, c.start, null, -1);
    for (const r of runs) strata.set(r.run.subject, 'all');
  } else if (task === 'reid') {
    type = 'reid';
    const reid = reidSubjects(dataset);
    dropped = reid.dropped;
    source = 'subject identity (sessions)';
    const index = new Map(reid.subjects.map((s, i) => [s, i]));
    for (const r of runs) {
      const i = index.get(r.run.subject);
      if (i === undefined) continue;
      strata.set(r.run.subject, 'all');
      for (const c of clipsOfRun(r)) push(r, c.start, null, i);
    }
  } else if (task === 'state') {
    level = 'clip';
    const how = stateSource(dataset);
    source = how === 'task-entity' ? 'task entity' : 'events.tsv trial_type';
    const per: { r: PreprocessedRun; start: number; state: string }[] = [];
    for (const r of runs) {
      let states: string[] | null = null;
      if (how === 'events') {
        const file = eventsFileOf(dataset.root, r.run);
        if (!file) {
          dropped.push({ subject: r.run.subject, value: null, reason: `no events.tsv for ${path.basename(r.run.file)}` });
          continue;
        }
        states = frameStates(readEvents(file), r.header.frames, r.header.tr);
      }
      for (const c of clipsOfRun(r)) {
        const state = states ? clipState(states, c.start, c.length) : (r.run.entities.task ?? 'n/a');
        if (state === null) dropped.push({ subject: r.run.subject, value: `${path.basename(r.run.file)}@${c.start}`, reason: 'clip splits evenly between two states' });
        else per.push({ r, start: c.start, state });
      }
    }
    classes = [...new Set(per.map(p => p.state))].sort();
    if (classes.length < 2) throw new DatasetError(`task-state labels found one state (${classes[0] ?? 'none'}); classification needs two`, { file: dataset.root });
    type = classes.length === 2 ? 'binary' : 'multiclass';
    const index = new Map(classes.map((c, i) => [c, i]));
    for (const p of per) {
      const k = index.get(p.state) as number;
      push(p.r, p.start, k, k);
      strata.set(p.r.run.subject, 'all');
    }
  } else {
    const column = task.startsWith('phenotype:') ? task.slice('phenotype:'.length) : task;
    const kind = PARTICIPANT_TASKS[task] ?? phenotypeKind(dataset, column);
    const labels: SubjectLabels = participantLabels(dataset, column, kind);
    dropped = labels.dropped;
    type = labels.type;
    classes = labels.classes;
    source = `participants.tsv column "${labels.column}"`;
    for (const r of runs) {
      const v = labels.values.get(r.run.subject);
      if (v === undefined) continue;
      strata.set(r.run.subject, classes ? classes[v] : 'all');
      for (const c of clipsOfRun(r)) push(r, c.start, v, classes ? v : -1);
    }
  }
  const short = runs.filter(r => r.header.frames < length);
  for (const r of short) dropped.push({ subject: r.run.subject, value: path.basename(r.run.file), reason: `${r.header.frames} frames after resampling to 0.8 s: shorter than one ${length}-frame clip` });
  if (samples.length === 0) throw new DatasetError(`no labelled ${length}-frame clips for task ${task}`, { file: dataset.root });
  return { dataset, cacheDir, task, type, level, classes, samples, strata, dropped, source, contentHash: contentHash(runs) };
}
