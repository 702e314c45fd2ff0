/**
 * The run folder (the contract kernel/eval reads; README.md here): run.json, split.json,
 * samples.json, predictions.json, metrics.jsonl, events.jsonl, manifest.json and checkpoints/.
 * Every file is written whole and atomically (temp + rename), JSON pretty-printed; the .jsonl files
 * are rewritten from the in-memory list, so a kill never leaves half a line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import type { SplitFold } from '../eval/run-folder';

export const RUN_FORMAT = 'neurostorm-run/1';
export const PREDICTIONS_FORMAT = 'neurostorm-predictions/1';

export type RunStatus = 'running' | 'done' | 'interrupted' | 'failed';

export interface RunRecord {
  format: typeof RUN_FORMAT;
  kind: 'finetune' | 'pretrain';
  task: string;
  type: string;
  level: 'subject' | 'clip';
  mode: 'tpt' | 'full' | 'probe' | null;
  config: string;
  data: string;
  cache: string;
  seed: number;
  folds: number | null;
  status: RunStatus;
  [extra: string]: unknown;
}

/** split.json as written; each fold's shape is the reader's one definition (kernel/eval). */
export interface SplitRecord {
  folds: SplitFold[];
}

/** One clip of predictions.json: the contract's one definition is the reader's (kernel/eval). */
export type { PredictionClip } from '../eval/run-folder';
/** run.json `input`: likewise the reader's definition. */
export type { RunInput } from '../eval/run-folder';

export class RunFolder {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  exists(name: string): boolean {
    return fs.existsSync(this.file(name));
  }

  /**
   * Refuses to start a new run over an existing one (its results would be overwritten) unless it
   * resumes; an empty or absent folder is fine.
   */
  prepare(resume: boolean): void {
    if (!resume && fs.existsSync(this.dir) && fs.readdirSync(this.dir).length > 0) {
      throw new UsageError(`run folder is not empty: ${this.dir}`, { hint: 'choose a new --out, or pass --resume to continue the run there' });
    }
    if (resume && !this.exists('run.json')) throw new UsageError(`nothing to resume: ${this.file('run.json')} does not exist`, { hint: 'start the run without --resume' });
    fs.mkdirSync(this.dir, { recursive: true });
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    await writeFileAtomic(this.file(name), JSON.stringify(value, null, 2) + '\n');
  }

  readJson<T>(name: string): T {
    return JSON.parse(fs.readFileSync(this.file(name), 'utf8')) as T;
  }

  async writeJsonl(name: string, rows: readonly unknown[]): Promise<void> {
    await writeFileAtomic(this.file(name), rows.map(r => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  }

  readJsonl<T>(name: string): T[] {
    if (!this.exists(name)) return [];
    return fs
      .readFileSync(this.file(name), 'utf8')
      .split('\n')
      .filter(l => l.trim() !== '')
      .map(l => JSON.parse(l) as T);
  }

  async setStatus(status: RunStatus, extra: Record<string, unknown> = {}): Promise<void> {
    const run = this.readJson<RunRecord>('run.json');
    await this.writeJson('run.json', { ...run, ...extra, status });
  }
}
