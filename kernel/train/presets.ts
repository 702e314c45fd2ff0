/**
 * What `--config cpu|official|FILE` and `--from WEIGHTS_OR_RUN` mean, and the two training recipes:
 * `official` reproduces the official optimiser and schedule (spec §5), our `default` differs where
 * we believe it trains better and says so.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../errors';
import { adamw, Optimizer } from '../graph/optimizers';
import { constantLr, neurostormSchedule, Schedule, warmupCosine } from '../graph/schedules';
import { configFromJson } from '../models/config-json';
import { cpuConfig, NeuroStormConfig, officialConfig, validateConfig } from '../models/config';
import { MODEL_EDGE } from '../data/grid';
import { unitGain } from '../data/sampler';
import type { RunInput } from './run-folder';
import { sampleClip } from './samples';

export type ConfigName = 'cpu' | 'official' | string;

export interface ResolvedConfig {
  /** "cpu", "official" or the absolute path of the config file. */
  name: string;
  config: NeuroStormConfig;
  /** Average-pool factor from the 96³ cache to the config's input (cpu: 2). */
  pool: number;
  /**
   * Remove each voxel's clip mean from the input (sampler centreClipFrames). Ours, not official: on
   * the CPU configuration the static anatomy (and the background at the normalised minimum) is ~70×
   * the clip's fluctuations, and a small model trained for minutes never gets past it (pooled
   * features differed by 1.4% between subjects; even 8 clips were not memorised in 25 full steps).
   */
  centre: boolean;
  /**
   * Gain applied to the (centred) input (sampler readBatch `scale`; unitGain). Ours, opt-in, 1 by
   * default: centred CPU input has a mean square of ~0.006, and the MAE's masked loss of a decoder
   * that outputs 0 is then already tiny (kernel/train/README.md, pretraining benefit).
   */
  scale: number;
}

/** The spatial pooling that brings the 96³ cache to a configuration's input edge. */
export function poolFor(cfg: NeuroStormConfig, file?: string): number {
  const edge = cfg.imgSize[0];
  if (cfg.imgSize[1] !== edge || cfg.imgSize[2] !== edge || MODEL_EDGE % edge !== 0) {
    throw new ConfigError(`input ${cfg.imgSize.slice(0, 3).join('x')} is not the 96³ cache average-pooled by an integer factor`, { file, hint: 'use 96³, 48³, 32³ or 24³' });
  }
  return MODEL_EDGE / edge;
}

/** `cpu`, `official`, or a config.json (official constructor-argument form) / model folder holding one. */
export function resolveConfig(name: ConfigName): ResolvedConfig {
  if (name === 'cpu' || name === 'official') {
    const config = name === 'cpu' ? cpuConfig() : officialConfig();
    return { name, config, pool: poolFor(config), centre: name === 'cpu', scale: 1 };
  }
  const file = path.resolve(fs.existsSync(name) && fs.statSync(name).isDirectory() ? path.join(name, 'config.json') : name);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`--config must be cpu, official or a config.json: ${(err as Error).message}`, { file });
  }
  const config = validateConfig({ ...configFromJson(json, file), heads: [], promptLen: 0 }, file);
  return { name: file, config, pool: poolFor(config, file), centre: false, scale: 1 };
}

/** What run.json records as `input` for a run read as `r` says. */
export function inputRecord(r: ResolvedConfig): RunInput {
  return { pool: r.pool, centre: r.centre, scale: r.scale };
}

/** Input gain asked for by a run: a number, or `'unit'` (unitGain of the run's training clips). */
export type InputScaleOption = number | 'unit';

/** How many training clips, evenly spaced, `'unit'` measures its gain on. */
const GAIN_CLIPS = 32;

/**
 * The input a run uses (one place for pretrain and finetune): a resumed run's recorded input
 * (run.json `input`; no `scale` there: 1); else the starting model's centring and the `scale`
 * option, or the starting run's gain when none is given.
 */
export async function resolveInput(
  start: ResolvedConfig,
  recorded: RunInput | undefined,
  scale: InputScaleOption | undefined,
  train: readonly { cache: string; start: number; frames: number; subject: string }[]
): Promise<ResolvedConfig> {
  if (recorded) return { ...start, centre: recorded.centre ?? start.centre, scale: recorded.scale ?? 1 };
  if (scale === undefined) return start;
  if (scale !== 'unit' && !(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new ConfigError(`the input scale must be a positive number or "unit", got ${JSON.stringify(scale)}`);
  }
  if (typeof scale === 'number') return { ...start, scale };
  const step = Math.max(1, Math.floor(train.length / GAIN_CLIPS));
  const clips = train.filter((_, i) => i % step === 0).slice(0, GAIN_CLIPS).map(sampleClip);
  if (!start.centre) throw new ConfigError('"unit" input scaling needs centred input (the cpu configuration)', { hint: 'give the gain as a number instead' });
  return { ...start, scale: await unitGain(clips, start.pool) };
}

/** Optimiser, schedule and stopping rule of a run. */
export interface Recipe {
  name: 'official' | 'default';
  lr: number;
  epochs: number;
  batch: number;
  optimizer: Optimizer;
  schedule: (totalSteps: number) => Schedule;
  /** Epochs without validation improvement before stopping; null: run every epoch (official). */
  patience: number | null;
  /** Which weights predict at the end: the best validation epoch, or the last (official trainer.test). */
  predictWith: 'best' | 'last';
  /** Fit the head on frozen features before training (LP-FT, probe-init.ts); official: fresh head. */
  probeInit: boolean;
  /** Global gradient-norm clip (official: only with --grad_clip, 0.5). */
  clipGradNorm?: number;
  description: string;
}

export interface RecipeOverrides {
  lr?: number;
  epochs?: number;
  batch?: number;
  patience?: number | null;
}

/**
 * `official` (spec §5): AdamW(0.9/0.999, 1e-8, wd 0.01, one group), constant rate (use_scheduler
 * off), batch 8, every epoch run, predictions from the last epoch's weights.
 * `default` (ours, not official): the same AdamW with linear warmup (5% of steps) and cosine decay,
 * early stopping on the validation metric (patience 4), predictions from the best validation
 * epoch — on small cohorts a constant rate overshoots late and the last epoch is rarely the best —
 * and a linear-probe initialisation of the head (probe-init.ts).
 */
export function recipe(name: 'official' | 'default', task: 'finetune' | 'pretrain', overrides: RecipeOverrides = {}): Recipe {
  const lr = overrides.lr ?? (task === 'pretrain' ? 1e-3 : 5e-3);
  const epochs = overrides.epochs ?? (task === 'pretrain' ? 4 : 12);
  const optimizer = adamw({ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  if (name === 'official') {
    return {
      name, lr, epochs, batch: overrides.batch ?? 8, optimizer,
      schedule: () => constantLr(lr),
      patience: overrides.patience === undefined ? null : overrides.patience,
      predictWith: 'last',
      probeInit: false,
      description: 'official (spec §5): AdamW 0.9/0.999 eps 1e-8 wd 0.01, constant lr, all epochs, last-epoch weights predict'
    };
  }
  return {
    name, lr, epochs, batch: overrides.batch ?? 4, optimizer,
    schedule: total => warmupCosine(lr, Math.floor(0.05 * total), Math.max(total, 1)),
    patience: overrides.patience === undefined ? 4 : overrides.patience,
    predictWith: 'best',
    probeInit: true,
    description: 'default (ours, not official): AdamW as official + 5% warmup and cosine decay, early stopping (patience 4) on the validation metric, best-epoch weights predict, head initialised by a linear probe on frozen features (LP-FT)'
  };
}

/** The official schedule with restarts (`--use_scheduler`), for users who want it explicitly. */
export function officialSchedule(lr: number): (totalSteps: number) => Schedule {
  return total => neurostormSchedule(lr, total);
}
