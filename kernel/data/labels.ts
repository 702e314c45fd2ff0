/**
 * Labels of a BIDS dataset for the paper's task families (spec §6.3–6.4), read from what BIDS has
 * instead of the official per-dataset CSVs:
 * - subject labels from participants.tsv columns: sex, age, diagnosis, any phenotype column.
 *   Missing codes (empty, n/a, NaN, -9999 and kin) are dropped AND reported, never guessed;
 * - task state per run from the `task` entity (several tasks, as HCPTASK's directory token), or per
 *   frame from events.tsv `trial_type` (one task with blocks; frames outside events are "rest");
 * - re-identification: subjects with at least two sessions (or runs), the class is the subject.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../errors';
import type { BidsDataset, BidsRun } from './bids';
import { parseBidsName } from './bids';
import { readTsv } from './tsv';

export type LabelType = 'binary' | 'multiclass' | 'regression';

/** Cell values that mean "not measured" in participants tables (BIDS n/a, ABIDE's -9999, ...). */
export const MISSING_CODES: readonly string[] = ['', 'n/a', 'na', 'nan', 'null', 'none', '?', '-9999', '-999', '-888', '-777', '-9999.0'];

export interface DroppedLabel {
  subject: string;
  /** The raw cell (null: no participants.tsv row). */
  value: string | null;
  reason: string;
}

export interface SubjectLabels {
  /** The participants.tsv column used. */
  column: string;
  type: LabelType;
  /** Class names by index (binary: [negative, positive]); absent for regression. */
  classes?: string[];
  /** subject -> class index or value (original units). */
  values: Map<string, number>;
  dropped: DroppedLabel[];
}

/** Other spellings the common columns go by (ABIDE DX_GROUP, HCP Gender, ...). */
const ALIASES: Record<string, string[]> = {
  sex: ['sex', 'gender'],
  age: ['age', 'age_at_scan', 'age_years'],
  diagnosis: ['diagnosis', 'dx', 'dx_group', 'group']
};

/** The participants.tsv column for a label name (case-insensitive, with common aliases). */
export function findColumn(ds: BidsDataset, name: string): string {
  const table = path.join(ds.root, 'participants.tsv');
  if (ds.columns.length === 0) throw new DatasetError(`labels "${name}" need participants.tsv, and the dataset has none`, { file: table });
  for (const alias of ALIASES[name.toLowerCase()] ?? [name.toLowerCase()]) {
    const hit = ds.columns.find(c => c.toLowerCase() === alias);
    if (hit) return hit;
  }
  throw new DatasetError(`participants.tsv has no column "${name}"`, {
    file: table,
    hint: `columns are: ${ds.columns.filter(c => c !== 'participant_id').join(', ')}`
  });
}

function isMissing(v: string | null | undefined): boolean {
  return v === null || v === undefined || MISSING_CODES.includes(v.trim().toLowerCase());
}

/** Sorted class names: numerically when every name is a number, else by string. */
function sortClasses(names: Iterable<string>): string[] {
  const list = [...new Set(names)];
  const numeric = list.every(n => n.trim() !== '' && Number.isFinite(Number(n)));
  return numeric ? list.sort((a, b) => Number(a) - Number(b)) : list.sort();
}

/**
 * Per-subject labels from one participants.tsv column. `kind` 'categorical' gives classes (binary
 * when two), 'continuous' numbers in the column's units. Every subject with runs is either labelled
 * or listed in `dropped` with the reason.
 */
export function participantLabels(ds: BidsDataset, name: string, kind: 'categorical' | 'continuous'): SubjectLabels {
  const column = findColumn(ds, name);
  const file = path.join(ds.root, 'participants.tsv');
  const raw = new Map<string, string | null>();
  for (const run of ds.runs) raw.set(run.subject, run.participant ? (run.participant[column] ?? null) : null);
  const dropped: DroppedLabel[] = [];
  const kept = new Map<string, string>();
  for (const [subject, value] of [...raw].sort(([a], [b]) => a.localeCompare(b))) {
    const hasRow = ds.runs.some(r => r.subject === subject && r.participant);
    if (!hasRow) dropped.push({ subject, value: null, reason: 'no participants.tsv row' });
    else if (isMissing(value)) dropped.push({ subject, value, reason: `missing value (${value === null ? 'n/a' : JSON.stringify(value)})` });
    else if (kind === 'continuous' && !Number.isFinite(Number(value))) dropped.push({ subject, value, reason: 'not a number' });
    else kept.set(subject, (value as string).trim());
  }
  if (kept.size === 0) throw new DatasetError(`no subject has a usable "${column}" value (${dropped.length} dropped)`, { file, hint: 'check the column and its missing-value codes' });
  if (kind === 'continuous') {
    return { column, type: 'regression', values: new Map([...kept].map(([s, v]) => [s, Number(v)])), dropped };
  }
  const classes = sortClasses(kept.values());
  if (classes.length < 2) throw new DatasetError(`column "${column}" has one class (${classes[0]}) among the labelled subjects; classification needs two`, { file });
  const index = new Map(classes.map((c, i) => [c, i]));
  return {
    column,
    type: classes.length === 2 ? 'binary' : 'multiclass',
    classes,
    values: new Map([...kept].map(([s, v]) => [s, index.get(v) as number])),
    dropped
  };
}

export interface TaskEventRow {
  onset: number;
  duration: number;
  trialType: string;
}

/** The events.tsv of a run (same folder, same sub/ses/task/acq/run entities; or task-X_events.tsv at the root). */
export function eventsFileOf(root: string, run: BidsRun): string | null {
  const keys = ['sub', 'ses', 'task', 'acq', 'run'];
  const want = Object.fromEntries(keys.filter(k => run.entities[k] !== undefined).map(k => [k, run.entities[k]]));
  const dirs = [path.dirname(run.file), root];
  for (const dir of dirs) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) {
      if (!name.endsWith('_events.tsv')) continue;
      const { entities } = parseBidsName(name);
      if (Object.entries(entities).every(([k, v]) => want[k] === v) && entities.task === want.task) return path.join(dir, name);
    }
  }
  return null;
}

export function readEvents(file: string): TaskEventRow[] {
  const t = readTsv(file);
  for (const c of ['onset', 'duration']) if (!t.columns.includes(c)) throw new DatasetError(`events table has no "${c}" column`, { file });
  const typeColumn = t.columns.includes('trial_type') ? 'trial_type' : null;
  return t.rows.map((r, i) => {
    const onset = Number(r.onset);
    const duration = Number(r.duration);
    if (!Number.isFinite(onset) || !Number.isFinite(duration)) throw new DatasetError(`row ${i + 2}: onset/duration must be seconds`, { file });
    return { onset, duration, trialType: typeColumn ? (r[typeColumn] ?? 'n/a') : 'task' };
  });
}

/**
 * The state of each frame on a grid of `frames` frames `tr` seconds apart (frame i covers
 * [i·tr, (i+1)·tr); the event covering its midpoint names it; none: "rest"). No HRF shift, as the
 * official loaders use labels as given.
 */
export function frameStates(events: readonly TaskEventRow[], frames: number, tr: number): string[] {
  return Array.from({ length: frames }, (_, i) => {
    const t = (i + 0.5) * tr;
    const hit = events.find(e => t >= e.onset && t < e.onset + e.duration);
    return hit ? hit.trialType : 'rest';
  });
}

/**
 * The state of a clip: the condition (non-rest trial type) covering most of its frames when the
 * conditions cover at least `minCoverage` of the clip, else "rest"; null when two conditions tie
 * (such clips are dropped as ambiguous). Block designs alternate rest with conditions, so a plain
 * majority would call almost every 20-frame clip "rest".
 */
export function clipState(states: readonly string[], start: number, length: number, minCoverage = 0.25): string | null {
  const counts = new Map<string, number>();
  let covered = 0;
  for (let i = start; i < start + length; i++) {
    if (states[i] === 'rest') continue;
    covered++;
    counts.set(states[i], (counts.get(states[i]) ?? 0) + 1);
  }
  if (covered < minCoverage * length) return 'rest';
  const ranked = [...counts].sort((a, b) => b[1] - a[1]);
  return ranked.length > 1 && ranked[0][1] === ranked[1][1] ? null : ranked[0][0];
}

/** Task state source of a dataset: the task entity when runs have several tasks, else events.tsv. */
export function stateSource(ds: BidsDataset): 'task-entity' | 'events' {
  const tasks = new Set(ds.runs.map(r => r.entities.task ?? ''));
  if (tasks.size > 1) return 'task-entity';
  if (ds.runs.some(r => eventsFileOf(ds.root, r))) return 'events';
  throw new DatasetError('task-state labels need several tasks (the task entity) or events.tsv files, and this dataset has neither', {
    file: ds.root,
    hint: 'synthesise a cohort with --task to get block events'
  });
}

/** Subjects with at least two sessions (or runs) for re-identification; others are dropped. */
export function reidSubjects(ds: BidsDataset): { subjects: string[]; dropped: DroppedLabel[] } {
  const runs = new Map<string, number>();
  for (const r of ds.runs) runs.set(r.subject, (runs.get(r.subject) ?? 0) + 1);
  const subjects = [...runs].filter(([, n]) => n >= 2).map(([s]) => s).sort();
  const dropped = [...runs].filter(([, n]) => n < 2).map(([s]) => ({ subject: s, value: null, reason: 'one run only: nothing to re-identify' }));
  if (subjects.length < 2) throw new DatasetError(`re-identification needs subjects with two or more sessions; ${subjects.length} have them`, { file: ds.root });
  return { subjects, dropped };
}
