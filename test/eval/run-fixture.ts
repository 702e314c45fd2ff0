/**
 * Writes run folders by the run-folder contract (/work/notes/run-contract.md, kernel/eval/README.md)
 * for evaluation tests: run.json, split.json, samples.json and predictions.json, with predictions
 * from a known rule so the expected metrics can be computed independently.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Sample } from '../../kernel/eval/run-folder';

/** A samples.json row: the contract's type, as kernel/eval reads it. */
export type FixtureSample = Sample;

export interface FixtureClip extends Omit<FixtureSample, 'frames'> {
  fold: number;
  split: 'validation' | 'test';
  output: number[];
}

export interface FixtureRun {
  task: string;
  type: string;
  level: 'subject' | 'clip';
  classes?: string[];
  folds: { train: string[]; validation: string[]; test: string[] }[];
  samples: FixtureSample[];
  clips: FixtureClip[];
  seed?: number;
  /** Preprocess-cache folder recorded in run.json (default null). */
  cache?: string;
  /** Extra run.json fields (e.g. input: {pool, centre}). */
  extra?: Record<string, unknown>;
}

export function writeRunFolder(dir: string, r: FixtureRun): string {
  fs.mkdirSync(dir, { recursive: true });
  const put = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(value, null, 2));
  put('run.json', {
    format: 'neurostorm-run/1',
    kind: 'finetune',
    task: r.task,
    type: r.type,
    level: r.level,
    mode: 'tpt',
    config: 'cpu',
    data: '/nonexistent/dataset',
    cache: r.cache ?? null,
    seed: r.seed ?? 1,
    folds: r.folds.length > 1 ? r.folds.length : null,
    status: 'done',
    ...r.extra
  });
  put('split.json', { folds: r.folds });
  put('samples.json', { type: r.type, level: r.level, ...(r.classes ? { classes: r.classes } : {}), samples: r.samples });
  put('predictions.json', { format: 'neurostorm-predictions/1', task: r.task, type: r.type, level: r.level, ...(r.classes ? { classes: r.classes } : {}), clips: r.clips });
  return dir;
}
