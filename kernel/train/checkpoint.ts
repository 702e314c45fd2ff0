/**
 * Checkpoints `best/` and `last/`: a model folder (ns.models.save layout) plus trainer-state.json
 * (loop position: epoch, batch within the epoch, step, best metric, metrics history) and
 * optimizer/optimizer-state.safetensors (AdamW moments and the step count). The optimizer file sits
 * in a subfolder because the model loader reads every top-level *.safetensors as weights: the
 * checkpoint stays loadable as a model with `ns.models.load(RUN/checkpoints/best)`. The folder is written under a
 * temporary name and swapped in by rename, so a kill leaves the previous checkpoint or the new one,
 * never a mix (a kill between the two renames leaves `<name>.old-*`, which `readCheckpoint` uses).
 *
 * Random state needs no file: every draw of the loop (epoch shuffles, MAE masks) comes from the
 * run's seed forked by epoch and step (kernel/random.ts fork), so the position restores it.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { WeightsError } from '../errors';
import { writeFileAtomic } from '../io/atomic';
import { load as loadModel, save as saveModel } from '../models';
import type { NeuroStormModel } from '../models/model';
import type { SessionOptions } from '../runtime/session';
import type { ModelTrainer } from './trainer';

export interface MetricsRow {
  step: number;
  epoch: number;
  train_loss: number;
  lr: number;
  [metric: string]: number;
}

export interface LoopState {
  /** Epoch in progress (0-based) and batches of it already trained. */
  epoch: number;
  batch: number;
  /** Optimizer steps taken. */
  step: number;
  /** Best validation value so far (in the metric's own direction) and its epoch. */
  best: number | null;
  bestEpoch: number | null;
  /** Epochs since the best (early stopping). */
  stale: number;
  /** Running training loss of the epoch in progress. */
  lossSum: number;
  lossCount: number;
  history: MetricsRow[];
  finished: boolean;
}

export function freshState(): LoopState {
  return { epoch: 0, batch: 0, step: 0, best: null, bestEpoch: null, stale: 0, lossSum: 0, lossCount: 0, history: [], finished: false };
}

const STATE_FILE = 'trainer-state.json';
const OPTIMIZER_FILE = path.join('optimizer', 'optimizer-state.safetensors');

/** A fresh temp name beside checkpoint `dir`, where a new version is built before `swapIn`. */
const tempBeside = (dir: string) => `${dir}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;

/**
 * Puts the complete folder `tmp` in place of `dir`: the old one is renamed aside first and removed
 * last, so a kill at any point leaves either version whole (resolveCheckpoint finds an `.old-*`).
 */
async function swapIn(tmp: string, dir: string): Promise<void> {
  let old: string | null = null;
  if (fs.existsSync(dir)) {
    old = `${dir}.old-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    await fs.promises.rename(dir, old);
  }
  await fs.promises.rename(tmp, dir);
  if (old) await fs.promises.rm(old, { recursive: true, force: true });
}

/** Writes `dir` (e.g. RUN/checkpoints/last) from the model (trainer committed first) and state. */
export async function writeCheckpoint(dir: string, model: NeuroStormModel, trainer: ModelTrainer, state: LoopState, extra: Record<string, unknown> = {}): Promise<void> {
  trainer.commit();
  const tmp = tempBeside(dir);
  await saveModel(model, tmp);
  await trainer.saveOptimizerState(path.join(tmp, OPTIMIZER_FILE));
  await writeFileAtomic(path.join(tmp, STATE_FILE), JSON.stringify({ ...extra, state }, null, 2) + '\n');
  await swapIn(tmp, dir);
}

/**
 * Replaces the model of checkpoint `dir` (after a post-training change of its weights: the bias
 * recalibration, recalibrate.ts), keeping its loop state and optimizer moments and merging `extra`
 * into its trainer-state.json; swapped in whole like `writeCheckpoint`.
 */
export async function replaceCheckpointModel(dir: string, model: NeuroStormModel, extra: Record<string, unknown>): Promise<void> {
  const folder = resolveCheckpoint(dir);
  if (!folder) throw new WeightsError('no complete checkpoint', { file: dir });
  const json = JSON.parse(fs.readFileSync(path.join(folder, STATE_FILE), 'utf8')) as Record<string, unknown>;
  const tmp = tempBeside(dir);
  await saveModel(model, tmp);
  await fs.promises.mkdir(path.dirname(path.join(tmp, OPTIMIZER_FILE)), { recursive: true });
  await fs.promises.copyFile(path.join(folder, OPTIMIZER_FILE), path.join(tmp, OPTIMIZER_FILE));
  await writeFileAtomic(path.join(tmp, STATE_FILE), JSON.stringify({ ...json, ...extra }, null, 2) + '\n');
  await swapIn(tmp, dir);
  if (folder !== dir) await fs.promises.rm(folder, { recursive: true, force: true });
}

/** The folder holding checkpoint `dir`: itself, or a complete `.old-*` sibling left by a kill mid-swap. */
function resolveCheckpoint(dir: string): string | null {
  if (fs.existsSync(path.join(dir, STATE_FILE))) return dir;
  const parent = path.dirname(dir);
  if (!fs.existsSync(parent)) return null;
  const base = path.basename(dir);
  const old = fs.readdirSync(parent).filter(n => n.startsWith(`${base}.old-`) && fs.existsSync(path.join(parent, n, STATE_FILE)));
  return old.length ? path.join(parent, old.sort().pop() as string) : null;
}

export function hasCheckpoint(dir: string): boolean {
  return resolveCheckpoint(dir) !== null;
}

/** Loads the model and state of checkpoint `dir`. */
export async function readCheckpoint(dir: string, session?: SessionOptions): Promise<{ model: NeuroStormModel; state: LoopState; extra: Record<string, unknown>; folder: string }> {
  const folder = resolveCheckpoint(dir);
  if (!folder) throw new WeightsError('no complete checkpoint', { file: dir, hint: 'the run has not reached its first checkpoint; start it again without --resume' });
  const json = JSON.parse(fs.readFileSync(path.join(folder, STATE_FILE), 'utf8')) as Record<string, unknown> & { state: LoopState };
  const model = await loadModel(folder, { session });
  const { state, ...extra } = json;
  return { model, state, extra, folder };
}

/** Restores the optimizer moments and step count saved with checkpoint `folder`. */
export async function restoreOptimizer(folder: string, trainer: ModelTrainer): Promise<void> {
  await trainer.loadOptimizerState(path.join(folder, OPTIMIZER_FILE));
}

/** Removes what a killed writer left: `.tmp-*` folders/files and superseded `.old-*` checkpoints. */
export function cleanPartial(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (/\.tmp-\d+-[0-9a-f]+$/.test(e.name)) fs.rmSync(p, { recursive: true, force: true });
    else if (/\.old-\d+-[0-9a-f]+$/.test(e.name)) {
      const base = e.name.replace(/\.old-\d+-[0-9a-f]+$/, '');
      if (fs.existsSync(path.join(dir, base, STATE_FILE))) fs.rmSync(p, { recursive: true, force: true });
    } else if (e.isDirectory()) cleanPartial(p);
  }
}
