/**
 * The official constructor-argument form of a configuration (spec §1; the layout of
 * shared/fixtures/neurostorm/<name>/config.json: `neurostorm_args`, `neurostorm_mae_args`,
 * `prompt_len`, `heads`, `derived`) and Lightning `hyper_parameters` (the CLI arg dict, spec §2.9),
 * both to and from NeuroStormConfig.
 */
import { ConfigError } from '../errors';
import { deriveSizes, HeadConfig, NeuroStormConfig, officialConfig, validateConfig, Vec4 } from './config';

export interface OfficialConfigJson {
  name?: string;
  arch?: 'neurostorm' | 'swift';
  prompt_len: number;
  neurostorm_args: Record<string, unknown>;
  neurostorm_mae_args?: Record<string, unknown>;
  heads?: Record<string, Record<string, unknown>>;
  derived?: Record<string, unknown>;
  [extra: string]: unknown;
}

const COMMON_FIXED = {
  qkv_bias: true,
  drop_rate: 0.0,
  attn_drop_rate: 0.0,
  drop_path_rate: 0.0,
  patch_norm: false,
  use_checkpoint: false,
  spatial_dims: 4,
  downsample: 'mergingv2'
};

/** NeuroStormConfig → the official config.json object (round-trips through configFromJson). */
export function configToJson(cfg: NeuroStormConfig, name?: string): OfficialConfigJson {
  const args = {
    in_chans: cfg.inChans,
    patch_size: cfg.patchSize,
    num_heads: cfg.numHeads,
    mlp_ratio: cfg.mlpRatio,
    ...COMMON_FIXED,
    c_multiplier: cfg.cMultiplier,
    last_layer_full_MSA: cfg.lastLayerFullMSA,
    img_size: cfg.imgSize,
    embed_dim: cfg.embedDim,
    window_size: cfg.windowSize,
    first_window_size: cfg.firstWindowSize,
    depths: cfg.depths
  };
  const sizes = deriveSizes(cfg);
  const heads: Record<string, Record<string, unknown>> = {};
  for (const h of cfg.heads) {
    if (h.kind === 'cls') heads.cls = { class: 'ClsHead', version: 'v1', num_classes: h.numClasses, num_tokens: sizes.outChannels };
    else if (h.kind === 'reg') heads.reg = { class: 'RegHead', version: 1, num_tokens: sizes.outChannels };
    else heads.emb = { class: 'EmbHead', final_embedding_size: h.embeddingSize ?? 128, num_tokens: sizes.outChannels };
  }
  return {
    ...(name ? { name } : {}),
    ...(cfg.arch !== 'neurostorm' ? { arch: cfg.arch } : {}),
    prompt_len: cfg.promptLen,
    neurostorm_args: args,
    neurostorm_mae_args: {
      ...args,
      mask_ratio: cfg.mae.maskRatio,
      spatial_mask: cfg.mae.spatialMask,
      time_mask: cfg.mae.timeMask,
      atlas_map_path: null,
      use_strd: false
    },
    heads,
    derived: {
      grid_size: sizes.patchGrid,
      last_window_size: sizes.lastWindowSize,
      mae_num_windows: sizes.maeNumWindows,
      mae_num_masked: sizes.maeNumMasked
    }
  };
}

function vec4(v: unknown, what: string, file?: string): Vec4 {
  if (!Array.isArray(v) || v.length !== 4 || !v.every(x => Number.isSafeInteger(x))) {
    throw new ConfigError(`${what} must be a list of four integers, got ${JSON.stringify(v)}`, { file });
  }
  return v as Vec4;
}

function num(v: unknown, what: string, file?: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${what} must be a number, got ${JSON.stringify(v)}`, { file });
  return v;
}

function intList(v: unknown, what: string, file?: string): number[] {
  if (!Array.isArray(v) || !v.every(x => Number.isSafeInteger(x))) throw new ConfigError(`${what} must be a list of integers, got ${JSON.stringify(v)}`, { file });
  return v as number[];
}

function checkFixed(args: Record<string, unknown>, file?: string): void {
  if (args.downsample !== undefined && args.downsample !== 'mergingv2') {
    throw new ConfigError(`downsample ${JSON.stringify(args.downsample)} is not supported (only "mergingv2" exists officially)`, { file });
  }
  if (args.patch_norm === true) throw new ConfigError('patch_norm=true is not supported (the official configuration has no patch norm)', { file });
  for (const k of ['drop_rate', 'attn_drop_rate', 'drop_path_rate']) {
    if (args[k] !== undefined && args[k] !== 0) throw new ConfigError(`${k}=${JSON.stringify(args[k])}: dropout/DropPath are inactive in every official run and not implemented`, { file });
  }
}

/** The official config.json object → NeuroStormConfig (validated; `file` names the source in errors). */
export function configFromJson(json: unknown, file?: string): NeuroStormConfig {
  if (typeof json !== 'object' || json === null) throw new ConfigError('config.json is not an object', { file });
  const j = json as OfficialConfigJson;
  const args = j.neurostorm_args;
  if (typeof args !== 'object' || args === null) throw new ConfigError('config.json has no neurostorm_args object', { file, hint: 'expected the official constructor arguments, as in shared/fixtures/neurostorm/*/config.json' });
  checkFixed(args, file);
  const mae = (j.neurostorm_mae_args ?? {}) as Record<string, unknown>;
  const heads: HeadConfig[] = [];
  for (const [kind, h] of Object.entries(j.heads ?? {})) {
    if (kind === 'cls') heads.push({ kind: 'cls', numClasses: num(h.num_classes ?? 2, 'heads.cls.num_classes', file) });
    else if (kind === 'reg') heads.push({ kind: 'reg' });
    else if (kind === 'emb') heads.push({ kind: 'emb', embeddingSize: num(h.final_embedding_size ?? 128, 'heads.emb.final_embedding_size', file) });
    else throw new ConfigError(`unknown head "${kind}" (expected cls, reg or emb)`, { file });
  }
  const base = officialConfig();
  return validateConfig(
    {
      arch: j.arch === 'swift' ? 'swift' : 'neurostorm',
      imgSize: vec4(args.img_size, 'neurostorm_args.img_size', file),
      patchSize: vec4(args.patch_size ?? base.patchSize, 'neurostorm_args.patch_size', file),
      inChans: num(args.in_chans ?? 1, 'neurostorm_args.in_chans', file),
      embedDim: num(args.embed_dim, 'neurostorm_args.embed_dim', file),
      depths: intList(args.depths, 'neurostorm_args.depths', file),
      numHeads: intList(args.num_heads ?? base.numHeads, 'neurostorm_args.num_heads', file),
      windowSize: vec4(args.window_size, 'neurostorm_args.window_size', file),
      firstWindowSize: vec4(args.first_window_size ?? args.window_size, 'neurostorm_args.first_window_size', file),
      cMultiplier: num(args.c_multiplier ?? 2, 'neurostorm_args.c_multiplier', file),
      mlpRatio: num(args.mlp_ratio ?? 4, 'neurostorm_args.mlp_ratio', file),
      lastLayerFullMSA: args.last_layer_full_MSA === true,
      promptLen: num(j.prompt_len ?? 0, 'prompt_len', file),
      mae: {
        maskRatio: num(mae.mask_ratio ?? base.mae.maskRatio, 'neurostorm_mae_args.mask_ratio', file),
        spatialMask: (mae.spatial_mask ?? base.mae.spatialMask) as 'window',
        timeMask: (mae.time_mask ?? base.mae.timeMask) as 'random'
      },
      heads
    },
    file
  );
}

/**
 * Lightning `hyper_parameters` (the official CLI arg dict) → NeuroStormConfig. argparse defaults
 * fill what the dict lacks (spec §1 table, "argparse default" column). Prompts count only with
 * `use_prompt_tuning` (spec §1: prompt_len takes effect only with the flag).
 */
export function configFromHyperParameters(hp: Record<string, unknown>, file?: string): NeuroStormConfig {
  const model = hp.model ?? 'neurostorm';
  if (model !== 'neurostorm' && model !== 'swift') throw new ConfigError(`hyper_parameters.model is ${JSON.stringify(model)}; only neurostorm (and the swift baseline) are supported`, { file });
  const imgSize = vec4(hp.img_size ?? [96, 96, 96, 20], 'hyper_parameters.img_size', file);
  const heads: HeadConfig[] = [];
  const task = hp.downstream_task_type;
  if (hp.pretraining !== true) {
    if (task === 'regression') heads.push({ kind: 'reg' });
    else if (task === 'classification' || task === undefined) heads.push({ kind: 'cls', numClasses: num(hp.num_classes ?? 2, 'hyper_parameters.num_classes', file) });
  }
  if (hp.clf_head_version !== undefined && hp.clf_head_version !== 'v1') {
    throw new ConfigError(`clf_head_version ${JSON.stringify(hp.clf_head_version)} is not supported (only v1, the official head)`, { file });
  }
  checkFixed({ drop_rate: 0, attn_drop_rate: hp.attn_drop_rate ?? 0, drop_path_rate: 0 }, file);
  return validateConfig(
    {
      arch: model === 'swift' ? 'swift' : 'neurostorm',
      imgSize,
      patchSize: vec4(hp.patch_size ?? [6, 6, 6, 1], 'hyper_parameters.patch_size', file),
      inChans: num(hp.in_chans ?? 1, 'hyper_parameters.in_chans', file),
      embedDim: num(hp.embed_dim ?? 24, 'hyper_parameters.embed_dim', file),
      depths: intList(hp.depths ?? [2, 2, 6, 2], 'hyper_parameters.depths', file),
      numHeads: intList(hp.num_heads ?? [3, 6, 12, 24], 'hyper_parameters.num_heads', file),
      windowSize: vec4(hp.window_size ?? [4, 4, 4, 4], 'hyper_parameters.window_size', file),
      firstWindowSize: vec4(hp.first_window_size ?? [2, 2, 2, 2], 'hyper_parameters.first_window_size', file),
      cMultiplier: num(hp.c_multiplier ?? 2, 'hyper_parameters.c_multiplier', file),
      mlpRatio: 4,
      lastLayerFullMSA: hp.last_layer_full_MSA === true,
      promptLen: hp.use_prompt_tuning === true ? num(hp.prompt_len ?? 50, 'hyper_parameters.prompt_len', file) : 0,
      mae: {
        maskRatio: num(hp.mask_ratio ?? 0.1, 'hyper_parameters.mask_ratio', file),
        spatialMask: (hp.spatial_mask ?? 'random') as 'window',
        timeMask: (hp.time_mask ?? 'random') as 'random'
      },
      heads
    },
    file
  );
}
