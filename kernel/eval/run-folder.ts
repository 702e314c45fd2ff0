/**
 * Reads and checks the run-folder files evaluation needs (the run-folder contract that kernel/train
 * writes: run.json, split.json, samples.json, predictions.json). Every problem is a DatasetError
 * naming the file and what is wrong in it, so a broken or unfinished run never yields numbers.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DatasetError } from '../errors';
import type { TaskType } from './scores';

export type Level = 'subject' | 'clip';
export type EvaluatedSplit = 'validation' | 'test';

export interface RunJson {
  task: string;
  type: TaskType;
  level: Level;
  /** Absolute preprocess-cache directory (null when absent). */
  cache: string | null;
  seed: number | null;
  status: string | null;
}

/**
 * run.json `input`: how the run read its clips (average-pool factor, per-voxel centring, gain after
 * centring). Written by kernel/train from its ResolvedConfig; an absent field means readBatch's default.
 */
export interface RunInput {
  pool?: number;
  centre?: boolean;
  scale?: number;
}

export interface SplitFold {
  train: string[];
  validation: string[];
  test: string[];
}

export interface Sample {
  subject: string;
  session: string | null;
  bold: string;
  /** First frame in the preprocessed 0.8 s frame index. */
  start: number;
  frames: number;
  target: number | null;
}

export interface PredictionClip {
  subject: string;
  session: string | null;
  bold: string;
  start: number;
  fold: number;
  split: EvaluatedSplit;
  target: number | null;
  output: number[];
}

export interface RunFolder {
  dir: string;
  run: RunJson;
  folds: SplitFold[];
  /** Class names by index (classification), else null. */
  classes: string[] | null;
  samples: Sample[];
  clips: PredictionClip[];
}

const TYPES: readonly TaskType[] = ['binary', 'multiclass', 'regression', 'reid'];

function readJson(file: string, hint: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(`cannot read the run file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file, hint, cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(`not valid JSON: ${(err as Error).message}`, { file, hint: 'the file is damaged; re-run or restore it', cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DatasetError('expected a JSON object', { file });
  return value as Record<string, unknown>;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function stringList(v: unknown, file: string, what: string): string[] {
  if (!Array.isArray(v) || !v.every(isString)) throw new DatasetError(`${what} must be a list of subject ids`, { file });
  return v;
}

function readRunJson(dir: string): RunJson {
  const file = path.join(dir, 'run.json');
  const j = readJson(file, 'is this a run folder written by ns.train.finetune?');
  const type = j.type as TaskType;
  if (j.type === 'mae' || j.kind === 'pretrain')
    throw new DatasetError('a pretraining run has no task predictions to evaluate', { file, hint: 'evaluate a finetune run' });
  if (!TYPES.includes(type)) throw new DatasetError(`unknown task type ${JSON.stringify(j.type)}; expected one of ${TYPES.join(', ')}`, { file });
  if (j.level !== 'subject' && j.level !== 'clip') throw new DatasetError(`level must be "subject" or "clip", got ${JSON.stringify(j.level)}`, { file });
  if (!isString(j.task)) throw new DatasetError('task is missing', { file });
  return {
    task: j.task,
    type,
    level: j.level,
    cache: isString(j.cache) ? j.cache : null,
    seed: isNumber(j.seed) ? j.seed : null,
    status: isString(j.status) ? j.status : null
  };
}

function readSplit(dir: string): SplitFold[] {
  const file = path.join(dir, 'split.json');
  const j = readJson(file, 'the run folder lacks its split');
  if (!Array.isArray(j.folds) || j.folds.length === 0) throw new DatasetError('folds must be a non-empty list', { file });
  return j.folds.map((f: unknown, k: number) => {
    if (typeof f !== 'object' || f === null) throw new DatasetError(`fold ${k} is not an object`, { file });
    const o = f as Record<string, unknown>;
    const fold = {
      train: stringList(o.train, file, `folds[${k}].train`),
      validation: stringList(o.validation ?? [], file, `folds[${k}].validation`),
      test: stringList(o.test ?? [], file, `folds[${k}].test`)
    };
    const seen = new Set<string>();
    for (const s of [...fold.train, ...fold.validation, ...fold.test]) {
      if (seen.has(s)) throw new DatasetError(`subject ${s} is in two splits of fold ${k}`, { file });
      seen.add(s);
    }
    return fold;
  });
}

function readClasses(j: Record<string, unknown>, type: TaskType, file: string): string[] | null {
  if (type !== 'binary' && type !== 'multiclass') return null;
  const c = j.classes;
  if (!Array.isArray(c) || !c.every(v => typeof v === 'string')) throw new DatasetError('classes (class names by index) are missing', { file });
  if (type === 'binary' && c.length !== 2) throw new DatasetError(`a binary task needs 2 classes, got ${c.length}`, { file });
  if (type === 'multiclass' && c.length < 2) throw new DatasetError(`a multiclass task needs 2 or more classes, got ${c.length}`, { file });
  return c;
}

function checkTarget(t: unknown, type: TaskType, classes: string[] | null, file: string, where: string): number | null {
  if (t === null || t === undefined) return null;
  if (!isNumber(t)) throw new DatasetError(`${where}: target ${JSON.stringify(t)} is not a number`, { file });
  if (classes && !(Number.isInteger(t) && t >= 0 && t < classes.length))
    throw new DatasetError(`${where}: class index ${t} is not in 0..${classes.length - 1}`, { file });
  if (type === 'reid') return null;
  return t;
}

function readSamples(dir: string, type: TaskType): { samples: Sample[]; classes: string[] | null } {
  const file = path.join(dir, 'samples.json');
  const j = readJson(file, 'the run folder lacks its labelled samples');
  const classes = readClasses(j, type, file);
  if (!Array.isArray(j.samples) || j.samples.length === 0) throw new DatasetError('samples must be a non-empty list', { file });
  const samples = j.samples.map((s: Record<string, unknown>, i: number): Sample => {
    const where = `samples[${i}]`;
    if (!isString(s.subject) || !isString(s.bold) || !isNumber(s.start) || !isNumber(s.frames))
      throw new DatasetError(`${where} needs subject, bold, start and frames`, { file });
    return {
      subject: s.subject,
      session: isString(s.session) ? s.session : null,
      bold: s.bold,
      start: s.start,
      frames: s.frames,
      target: checkTarget(s.target, type, classes, file, where)
    };
  });
  return { samples, classes };
}

function readPredictions(dir: string, run: RunJson, classes: string[] | null, samples: Sample[]): PredictionClip[] {
  const file = path.join(dir, 'predictions.json');
  const j = readJson(file, run.status && run.status !== 'done' ? `the run is ${run.status}; finish or resume it first` : 'the run did not write predictions');
  if (!Array.isArray(j.clips) || j.clips.length === 0) throw new DatasetError('clips must be a non-empty list', { file });
  const width = run.type === 'multiclass' ? (classes as string[]).length : run.type === 'reid' ? null : 1;
  // Labels of record: samples.json, by subject (subject-level) or by clip (clip-level).
  const sampleTarget = new Map<string, number | null>();
  for (const s of samples) {
    sampleTarget.set(`${s.subject}|${s.bold}|${s.start}`, s.target);
    if (!sampleTarget.has(s.subject) || s.target !== null) sampleTarget.set(s.subject, s.target);
  }
  let reidWidth: number | null = null;
  return j.clips.map((c: Record<string, unknown>, i: number): PredictionClip => {
    const where = `clips[${i}]`;
    if (!isString(c.subject) || !isString(c.bold) || !isNumber(c.start)) throw new DatasetError(`${where} needs subject, bold and start`, { file });
    if (c.split !== 'validation' && c.split !== 'test') throw new DatasetError(`${where}: split must be "validation" or "test", got ${JSON.stringify(c.split)}`, { file });
    if (!Array.isArray(c.output) || c.output.length === 0 || !c.output.every(isNumber))
      throw new DatasetError(`${where}: output must be a non-empty list of finite numbers`, { file });
    const expected = width ?? (reidWidth ??= c.output.length);
    if (c.output.length !== expected)
      throw new DatasetError(`${where}: output has ${c.output.length} values; a ${run.type} task needs ${expected}`, { file });
    let target = checkTarget(c.target, run.type, classes, file, where);
    if (target === null && run.type !== 'reid') target = sampleTarget.get(`${c.subject}|${c.bold}|${c.start}`) ?? sampleTarget.get(c.subject) ?? null;
    if (target === null && run.type !== 'reid')
      throw new DatasetError(`labels missing for subject ${c.subject} (${where} has no target, nor does samples.json)`, { file, hint: 'every evaluated subject needs a label' });
    return {
      subject: c.subject,
      session: isString(c.session) ? c.session : null,
      bold: c.bold,
      start: c.start,
      fold: isNumber(c.fold) ? c.fold : 0,
      split: c.split,
      target,
      output: c.output as number[]
    };
  });
}

/** Reads a run folder for evaluation (typed errors name the file). */
export function readRunFolder(dir: string): RunFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new DatasetError('run folder not found', { file: abs });
  const run = readRunJson(abs);
  const folds = readSplit(abs);
  const { samples, classes } = readSamples(abs, run.type);
  const clips = readPredictions(abs, run, classes, samples);
  const file = path.join(abs, 'predictions.json');
  for (const c of clips) {
    if (c.fold < 0 || c.fold >= folds.length || !Number.isInteger(c.fold))
      throw new DatasetError(`a clip of ${c.subject} names fold ${c.fold}; split.json has ${folds.length}`, { file });
    if (!folds[c.fold][c.split].includes(c.subject))
      throw new DatasetError(`${c.subject} is predicted as ${c.split} of fold ${c.fold}, but split.json does not put it there`, { file });
  }
  return { dir: abs, run, folds, classes, samples, clips };
}

/** The split evaluation reports: test when the run has test predictions, else validation. */
export function evaluatedSplit(folder: RunFolder): EvaluatedSplit {
  return folder.clips.some(c => c.split === 'test') ? 'test' : 'validation';
}
