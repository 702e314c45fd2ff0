/**
 * Weight import: a folder (config.json with the official constructor args + safetensors files with
 * official key names) or an official PyTorch checkpoint (.ckpt Lightning / .pth state dict).
 *
 * Folder files: every `*.safetensors` is read. `head_<kind>*.safetensors` (kind cls/reg/emb) are heads
 * (their key names collide, hence separate files); `mae*.safetensors` hold NeuroSTORMMAE extras; all
 * other files merge into the backbone state_dict (prompt keys there make a prompt-tuned model).
 *
 * A folder's files must agree: with a manifest.json (written by save) every file must be the one
 * saved; without one, config.json's prompt_len and heads must match the prompt and head tensors.
 * Either way a folder mixing two models is refused, never loaded half old, half new.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, WeightsError } from '../../errors';
import { readSafetensors, StoredTensor } from '../../runtime/safetensors';
import { NeuroStormConfig } from '../config';
import { configFromHyperParameters, configFromJson } from '../config-json';
import { backboneShapes, maeShapes } from './state-dict';
import { readTorchFile } from './torch-file';
import { assembleWeightSet, HeadKind, ParamMap, toParamMap, WeightSet } from './weight-set';
import { verifyModelFolder } from './folder-manifest';
import { resolveWeightsName } from './named';

export interface LoadOptions {
  /** Configuration for a bare state dict (.pth) or to override the file's (config.json / hyper_parameters). */
  config?: NeuroStormConfig;
  /** Head kind for checkpoint `output_head.*` keys when hyper_parameters do not say (cls and reg keys are identical). */
  headKind?: HeadKind;
}

const TORCH_EXT = /\.(ckpt|pth|pt|bin)$/i;

export async function loadWeights(name: string, options: LoadOptions = {}): Promise<WeightSet> {
  const target = resolveWeightsName(name);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(target);
  } catch (err) {
    throw new WeightsError(`cannot open: ${(err as Error).message}`, { file: target, cause: err });
  }
  if (stat.isDirectory()) return loadFolder(target, options);
  if (TORCH_EXT.test(target)) return loadTorchCheckpoint(target, options);
  if (/\.safetensors$/i.test(target)) {
    throw new WeightsError('a bare .safetensors file has no configuration', { file: target, hint: 'pass the folder holding it and its config.json' });
  }
  throw new WeightsError('unknown weights format (expected a folder, .ckpt, .pth or .pt)', { file: target });
}

async function readConfigJson(folder: string): Promise<NeuroStormConfig | null> {
  const file = path.join(folder, 'config.json');
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`not valid JSON: ${(err as Error).message}`, { file });
  }
  return configFromJson(json, file);
}

async function loadFolder(folder: string, options: LoadOptions): Promise<WeightSet> {
  const names = (await fs.promises.readdir(folder)).sort();
  const safetensors = names.filter(n => n.endsWith('.safetensors'));
  await verifyModelFolder(folder, names);
  const fileConfig = await readConfigJson(folder);
  const config = options.config ?? fileConfig;
  if (safetensors.length === 0) {
    const ckpt = names.find(n => TORCH_EXT.test(n));
    if (ckpt) return loadTorchCheckpoint(path.join(folder, ckpt), { ...options, config: options.config ?? config ?? undefined });
    throw new WeightsError('folder holds no .safetensors or checkpoint file', { file: folder });
  }
  if (!config) throw new WeightsError('folder has safetensors but no config.json', { file: folder, hint: 'write the official constructor args as config.json (see ns.models.save)' });
  const backbone: ParamMap = new Map();
  const heads = new Map<HeadKind, ParamMap>();
  let mae: ParamMap | null = null;
  const merge = (into: ParamMap, from: ParamMap, file: string) => {
    for (const [k, v] of from) {
      if (into.has(k)) throw new WeightsError(`key "${k}" appears in two files of the folder`, { file });
      into.set(k, v);
    }
  };
  for (const name of safetensors) {
    const file = path.join(folder, name);
    const params = toParamMap((await readSafetensors(file)).tensors, file);
    const head = /^head_(cls|reg|emb)/.exec(name);
    if (head) heads.set(head[1] as HeadKind, params);
    else if (/^mae/.test(name)) merge((mae ??= new Map()), params, file);
    else merge(backbone, params, file);
  }
  // A single merged file may hold MAE keys too: move them to the MAE part.
  const maeKeys = maeShapes(config);
  for (const k of [...backbone.keys()]) {
    if (maeKeys.has(k)) {
      (mae ??= new Map()).set(k, backbone.get(k) as { shape: number[]; data: Float32Array });
      backbone.delete(k);
    }
  }
  const set = assembleWeightSet(config, backbone, mae, heads, folder);
  if (!options.config && fileConfig) assertConfigAgrees(fileConfig, set, folder);
  return set;
}

/** config.json and the tensors beside it must describe the same model (prompt length, heads). */
function assertConfigAgrees(fileConfig: NeuroStormConfig, set: WeightSet, folder: string): void {
  const problems: string[] = [];
  if (fileConfig.promptLen !== set.config.promptLen) {
    problems.push(`config.json says prompt_len ${fileConfig.promptLen} but the prompt tensors give ${set.config.promptLen}`);
  }
  const configured = new Set(fileConfig.heads.map(h => h.kind));
  // Hand-made folders often list no heads at all; a list that leaves out a head file is a mix.
  const stray = [...set.heads.keys()].filter(k => !configured.has(k));
  if (configured.size > 0 && stray.length) problems.push(`head files for ${stray.join(', ')} but config.json lists only ${[...configured].join(', ')}`);
  if (problems.length) {
    throw new WeightsError(`the model folder's files disagree: ${problems.join('; ')}`, {
      file: folder,
      hint: 'files from two models are mixed in this folder; save the model again into an empty folder'
    });
  }
}

function stripPrefix(tensors: Map<string, StoredTensor>, prefix: string): Map<string, StoredTensor> {
  return new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
}

/**
 * Lightning checkpoint (spec §2.9): `model.<key>` → backbone/MAE, `output_head.<key>` → head,
 * `hyper_parameters` → config. A bare state dict needs `options.config`. Legacy keys are converted:
 * pre-741ac37 heads' unused `output_head.head.norm.*` is dropped and an MAE `mask_token` shaped like
 * the window token becomes `window_mask_token`.
 */
export async function loadTorchCheckpoint(file: string, options: LoadOptions = {}): Promise<WeightSet> {
  const ckpt = await readTorchFile(file);
  const config = options.config ?? (ckpt.hyperParameters ? configFromHyperParameters(ckpt.hyperParameters, file) : null);
  if (!config) throw new WeightsError('checkpoint has no hyper_parameters to rebuild the configuration', { file, hint: 'pass { config } (e.g. ns.models.officialConfig()) to load a bare state dict' });
  const lightning = [...ckpt.tensors.keys()].some(k => k.startsWith('model.'));
  const model = lightning ? stripPrefix(ckpt.tensors, 'model.') : new Map([...ckpt.tensors].filter(([k]) => !k.startsWith('output_head.')));
  const headTensors = stripPrefix(ckpt.tensors, 'output_head.');
  const promptKeys = [...model.keys()].filter(k => k.endsWith('.prompt'));
  const cfg: NeuroStormConfig = { ...config, promptLen: promptKeys.length ? model.get(promptKeys[0])!.shape[1] : 0 };
  const backboneKeys = backboneShapes(cfg);
  const maeKeys = maeShapes(cfg);
  const backbone = new Map<string, StoredTensor>();
  const mae = new Map<string, StoredTensor>();
  for (const [k, v] of model) {
    if (k === 'mask_token' && v.shape.length === 2) mae.set('window_mask_token', v);
    else if (maeKeys.has(k) && !backboneKeys.has(k)) mae.set(k, v);
    // Everything else goes to the backbone, where the strict check names unexpected keys with the rest.
    else if (k !== 'atlas_map') backbone.set(k, v);
  }
  const heads = new Map<HeadKind, ParamMap>();
  if (headTensors.size) {
    const h = new Map([...headTensors].filter(([k]) => !/^head\.norm\./.test(k)).map(([k, v]) => [`output_head.${k}`, v]));
    const declared = config.heads[0]?.kind;
    const kind: HeadKind = options.headKind ?? (h.has('output_head.fc1.weight') ? 'emb' : declared ?? 'cls');
    heads.set(kind, toParamMap(h, file));
  }
  const maeParams = mae.size ? toParamMap(mae, file) : null;
  return assembleWeightSet(cfg, toParamMap(backbone, file), maeParams, heads, file);
}
