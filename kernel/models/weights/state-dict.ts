/**
 * The official state_dict layout (spec §2.9, §3, §4): every key and shape a configuration implies,
 * and one strict comparison that reports every missing key, unexpected key and shape mismatch at once.
 */
import { WeightsError } from '../../errors';
import { deriveSizes, NeuroStormConfig } from '../config';
import type { StoredTensor } from '../../runtime/safetensors';
import { numel } from '../../graph/shapes';

export type ParamShapes = Map<string, number[]>;

/** The Mamba-block keys of one `...blocks.{k}` prefix (spec §2.9), for channels C. */
function blockKeys(out: ParamShapes, p: string, C: number, mlpRatio: number, promptLen: number, arch: 'neurostorm' | 'swift'): void {
  const E = 2 * C;
  const r = Math.ceil(C / 16);
  out.set(`${p}.norm1.weight`, [C]);
  out.set(`${p}.norm1.bias`, [C]);
  if (arch === 'neurostorm') {
    out.set(`${p}.mamba.A_log`, [E, 16]);
    out.set(`${p}.mamba.D`, [E]);
    out.set(`${p}.mamba.in_proj.weight`, [2 * E, C]);
    out.set(`${p}.mamba.conv1d.weight`, [E, 1, 4]);
    out.set(`${p}.mamba.conv1d.bias`, [E]);
    out.set(`${p}.mamba.x_proj.weight`, [r + 32, E]);
    out.set(`${p}.mamba.dt_proj.weight`, [E, r]);
    out.set(`${p}.mamba.dt_proj.bias`, [E]);
    out.set(`${p}.mamba.out_proj.weight`, [C, E]);
  } else {
    // SwiFT window attention (models/swift.py WindowAttention4D; our graph in graph/attention.ts).
    out.set(`${p}.attn.qkv.weight`, [3 * C, C]);
    out.set(`${p}.attn.qkv.bias`, [3 * C]);
    out.set(`${p}.attn.proj.weight`, [C, C]);
    out.set(`${p}.attn.proj.bias`, [C]);
  }
  out.set(`${p}.norm2.weight`, [C]);
  out.set(`${p}.norm2.bias`, [C]);
  const H = C * mlpRatio;
  out.set(`${p}.mlp.linear1.weight`, [H, C]);
  out.set(`${p}.mlp.linear1.bias`, [H]);
  out.set(`${p}.mlp.linear2.weight`, [C, H]);
  out.set(`${p}.mlp.linear2.bias`, [C]);
  if (promptLen > 0) out.set(`${p}.prompt`, [1, promptLen, C]);
}

/** Backbone keys (`NeuroSTORM(prompt_len=P).state_dict()`), in the official order. */
export function backboneShapes(cfg: NeuroStormConfig): ParamShapes {
  const s = deriveSizes(cfg);
  const out: ParamShapes = new Map();
  const patchVol = numel(cfg.patchSize) * cfg.inChans;
  out.set('patch_embed.fc.weight', [cfg.embedDim, patchVol]);
  out.set('patch_embed.fc.bias', [cfg.embedDim]);
  for (const st of s.stages) {
    out.set(`pos_embeds.${st.index}.pos_embed`, [1, st.channels, st.grid[0], st.grid[1], st.grid[2], 1]);
    out.set(`pos_embeds.${st.index}.time_embed`, [1, st.channels, 1, 1, 1, cfg.imgSize[3]]);
  }
  for (const st of s.stages) {
    for (let k = 0; k < st.depth; k++) {
      blockKeys(out, `layers.${st.index}.blocks.${k}`, st.channels, cfg.mlpRatio, cfg.promptLen, cfg.arch);
    }
    if (st.merges) {
      out.set(`layers.${st.index}.downsample.reduction.weight`, [2 * st.channels, 8 * st.channels]);
      out.set(`layers.${st.index}.downsample.norm.weight`, [8 * st.channels]);
      out.set(`layers.${st.index}.downsample.norm.bias`, [8 * st.channels]);
    }
  }
  return out;
}

/** The extra keys of `NeuroSTORMMAE` (spec §3): mask tokens, decoder, prediction layer. */
export function maeShapes(cfg: NeuroStormConfig): ParamShapes {
  const s = deriveSizes(cfg);
  const out: ParamShapes = new Map();
  const C0 = cfg.embedDim;
  const winVol = numel(cfg.windowSize);
  out.set('mask_token', [C0]);
  out.set('window_mask_token', [winVol, C0]);
  out.set('atlas_mask_token', [C0]);
  const Cl = s.outChannels;
  out.set('first_patch_expanding.expand.weight', [4 * Cl, Cl]);
  out.set('first_patch_expanding.norm.weight', [Cl / 2]);
  out.set('first_patch_expanding.norm.bias', [Cl / 2]);
  for (const st of s.decoder) {
    for (let k = 0; k < st.depth; k++) blockKeys(out, `layers_up.${st.index}.blocks.${k}`, st.channels, cfg.mlpRatio, 0, cfg.arch);
    if (st.index < s.decoder.length - 1) {
      out.set(`layers_up.${st.index}.upsample.expand.weight`, [4 * st.channels, st.channels]);
      out.set(`layers_up.${st.index}.upsample.norm.weight`, [st.channels / 2]);
      out.set(`layers_up.${st.index}.upsample.norm.bias`, [st.channels / 2]);
    }
  }
  out.set('norm_up.weight', [C0]);
  out.set('norm_up.bias', [C0]);
  const predIn = (cfg.embedDim * 2 ** (cfg.depths.length - 1)) / 8;
  out.set('decoder_pred.weight', [cfg.patchSize[0] * cfg.patchSize[1] * cfg.patchSize[2] * cfg.inChans, predIn]);
  out.set('decoder_pred.bias', [cfg.patchSize[0] * cfg.patchSize[1] * cfg.patchSize[2] * cfg.inChans]);
  return out;
}

/** Head keys with their Lightning names (`output_head.head.head.*`, spec §4). */
export function headShapes(kind: 'cls' | 'reg' | 'emb', outChannels: number, numClasses = 2, embeddingSize = 128): ParamShapes {
  const out: ParamShapes = new Map();
  if (kind === 'emb') {
    out.set('output_head.fc1.weight', [embeddingSize, outChannels]);
    out.set('output_head.bn1.weight', [embeddingSize]);
    out.set('output_head.bn1.bias', [embeddingSize]);
    out.set('output_head.bn1.running_mean', [embeddingSize]);
    out.set('output_head.bn1.running_var', [embeddingSize]);
    return out;
  }
  const n = kind === 'reg' || numClasses === 2 ? 1 : numClasses;
  out.set('output_head.head.head.weight', [n, outChannels]);
  out.set('output_head.head.head.bias', [n]);
  return out;
}

/**
 * Strict check of loaded tensors against the expected shapes: one WeightsError listing every
 * missing key, unexpected key and shape mismatch (names exactly as stored).
 */
export function checkStateDict(expected: ParamShapes, tensors: Map<string, StoredTensor>, file: string, ignore: (key: string) => boolean = () => false): void {
  const missing: string[] = [];
  const mismatched: string[] = [];
  for (const [k, shape] of expected) {
    const t = tensors.get(k);
    if (!t) missing.push(k);
    else if (t.shape.length !== shape.length || t.shape.some((n, i) => n !== shape[i])) mismatched.push(`${k}: expected [${shape.join(',')}], found [${t.shape.join(',')}]`);
  }
  const unexpected = [...tensors.keys()].filter(k => !expected.has(k) && !ignore(k));
  if (missing.length || unexpected.length || mismatched.length) {
    const parts: string[] = [];
    if (missing.length) parts.push(`${missing.length} missing: ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`${unexpected.length} unexpected: ${unexpected.join(', ')}`);
    if (mismatched.length) parts.push(`${mismatched.length} shape mismatches: ${mismatched.join('; ')}`);
    throw new WeightsError(`state_dict does not fit the configuration: ${parts.join(' | ')}`, { file, hint: 'check config.json (or the checkpoint hyper_parameters) against the weights' });
  }
}
