/**
 * The model a run starts from (`--from`): fresh official initialisation, official or own weights
 * (a model folder, .ckpt or .pth), or another run (its best checkpoint, else its last). Weights of
 * another architecture than `--config` are refused with a ConfigError naming both.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError } from '../errors';
import { create, load } from '../models';
import type { HeadConfig, NeuroStormConfig } from '../models/config';
import { NeuroStormModel } from '../models/model';
import { initWeights } from '../models/init';
import { assembleWeightSet } from '../models/weights/weight-set';
import { resolveWeightsName } from '../models/weights/named';
import type { SessionOptions } from '../runtime/session';
import { hasCheckpoint, readCheckpoint } from './checkpoint';
import { poolFor, ResolvedConfig } from './presets';
import type { RunInput } from './run-folder';

const ARCH_FIELDS = ['arch', 'imgSize', 'patchSize', 'inChans', 'embedDim', 'depths', 'windowSize', 'firstWindowSize', 'cMultiplier', 'mlpRatio', 'lastLayerFullMSA'] as const;

function architectureDiff(a: NeuroStormConfig, b: NeuroStormConfig): string[] {
  return ARCH_FIELDS.filter(k => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map(k => `${k} ${JSON.stringify(b[k])} vs ${JSON.stringify(a[k])}`);
}

/** The best (else last) checkpoint folder of a run folder, or null when `from` is not a run. */
export function runCheckpoint(from: string): string | null {
  if (!fs.existsSync(path.join(from, 'run.json'))) return null;
  for (const which of ['best', 'last']) {
    const dir = path.join(from, 'checkpoints', which);
    if (hasCheckpoint(dir)) return dir;
  }
  throw new ConfigError('the run has no checkpoint to start from', { file: from, hint: 'let the run reach its first epoch end, or resume it' });
}

/** A run's recorded input (run.json input.centre, input.scale), or null when `run` has none. */
function readRunInput(run: string): { centre: boolean; scale: number } | null {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as { input?: RunInput };
    if (typeof json.input?.centre !== 'boolean') return null;
    // runs written before the gain existed had none: 1
    return { centre: json.input.centre, scale: typeof json.input.scale === 'number' ? json.input.scale : 1 };
  } catch {
    return null;
  }
}

export interface StartOptions {
  from?: string | null;
  config: ResolvedConfig;
  /** Whether --config was given (else a --from model's own configuration is used). */
  explicitConfig: boolean;
  seed: number;
  mae: boolean;
  session?: SessionOptions;
}

export async function startingModel(options: StartOptions): Promise<{ model: NeuroStormModel; config: ResolvedConfig; from: string | null }> {
  if (!options.from) {
    const cfg = { ...options.config.config, heads: [], promptLen: 0 };
    return { model: create(cfg, { seed: options.seed, mae: options.mae, session: options.session }), config: options.config, from: null };
  }
  const from = path.resolve(resolveWeightsName(options.from)); // `demo`: the shipped demo model
  const ckpt = runCheckpoint(from);
  const model = ckpt ? (await readCheckpoint(ckpt, options.session)).model : await load(from, { session: options.session });
  const diff = architectureDiff(options.config.config, model.config);
  if (diff.length && options.explicitConfig) {
    throw new ConfigError(`the weights are of another configuration than --config ${options.config.name}: ${diff.join('; ')}`, {
      file: ckpt ?? from,
      hint: 'omit --config to use the weights’ own configuration, or pick matching weights'
    });
  }
  // A run's input centring and gain travel with its checkpoint (run.json input); weights alone: off.
  const runInput = ckpt ? readRunInput(from) : null;
  const config: ResolvedConfig = diff.length
    ? { name: ckpt ?? from, config: { ...model.config, heads: [], promptLen: 0 }, pool: poolFor(model.config, from), centre: runInput?.centre ?? false, scale: runInput?.scale ?? 1 }
    : { ...options.config, centre: runInput?.centre ?? options.config.centre, scale: runInput?.scale ?? options.config.scale };
  return { model, config, from: ckpt ?? from };
}

/**
 * The model with one freshly initialised head (official init, seeded), MAE weights kept only when
 * asked; prompts as loaded.
 */
export function withFreshHead(model: NeuroStormModel, head: HeadConfig, seed: number, keepMae = false): NeuroStormModel {
  const cfg = { ...model.config, heads: [head] };
  const fresh = initWeights({ ...cfg, promptLen: 0 }, seed, false).heads;
  const ws = assembleWeightSet(cfg, model.weights.backbone, keepMae ? model.weights.mae : null, fresh, model.weights.source);
  return new NeuroStormModel(ws, model.sessionOptions);
}

/** A model with MAE weights for pretraining (fresh official-init MAE parts when the loaded one has none). */
export function withMae(model: NeuroStormModel, seed: number): NeuroStormModel {
  if (model.weights.mae) return model;
  const mae = initWeights({ ...model.config, heads: [], promptLen: 0 }, seed, true).mae;
  const ws = assembleWeightSet({ ...model.config, heads: [] }, model.weights.backbone, mae, new Map(), model.weights.source);
  return new NeuroStormModel(ws, model.sessionOptions);
}
