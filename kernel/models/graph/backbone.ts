/**
 * The NeuroSTORM encoder as an engine graph (spec §2): 4D patch embedding, per-stage positional
 * embeddings, shifted-window blocks, PatchMergingV2, and the last full-window stage. Tokens stay
 * channels-last [B, d, h, w, t, C] inside; the output is the official channels-first layout.
 */
import type { Tensor } from '../../graph/tensor';
import { add } from '../../graph/api/math';
import { reshape, sliceAxis, transpose } from '../../graph/api/shape';
import { linear, matmul } from '../../graph/api/linalg';
import { layerNorm } from '../../graph/api/nn';
import type { DerivedSizes, NeuroStormConfig, StageGeometry } from '../config';
import type { Mixer } from './blocks';
import { windowBlock } from './blocks';
import type { ParamScope } from './params';
import type { Taps } from './taps';
import { toChannelsFirst } from './window';

/**
 * PatchEmbed.proj (spec §2.2): x [B, c, X, Y, Z, T] → channels-last tokens [B, gx, gy, gz, T, C],
 * feature order (sx, sy, sz, st, c) with c fastest (st = 1).
 *
 * Gathering every token's 216 features into a row (a 10-axis transpose moving T from innermost to
 * outer) copies the whole input element by element: 17.7 M elements at the official size, 4% of the
 * forward. Instead the transpose moves only whole runs of sz·T contiguous values
 * ([B, c, gx, sx, gy, sy, gz, sz·T] → [B, gx, gy, gz, sx, sy, c, sz·T]), a product per spatial patch
 * W'[C, F] @ X[F, T] contracts the features with T still innermost (W' is the weight with its feature
 * axes in that order), and a transpose of the much smaller output ([…, C, T] → [… , T, C]) finishes.
 */
export function patchEmbed(p: ParamScope, cfg: NeuroStormConfig, x: Tensor): Tensor {
  const [B, c, X, Y, Z, T] = x.shape;
  const [sx, sy, sz] = cfg.patchSize;
  const [gx, gy, gz] = [X / sx, Y / sy, Z / sz];
  const C = cfg.embedDim;
  const r = reshape(x, [B, c, gx, sx, gy, sy, gz, sz * T]);
  const patches = reshape(transpose(r, [0, 2, 4, 6, 3, 5, 1, 7]), [B * gx * gy * gz, sx * sy * c * sz, T]);
  const w = reshape(transpose(reshape(p.get('patch_embed.fc.weight'), [C, sx * sy, sz, c]), [0, 1, 3, 2]), [C, sx * sy * c * sz]);
  const e = add(matmul(w, patches), reshape(p.get('patch_embed.fc.bias'), [C, 1])); // [patches, C, T]
  return reshape(transpose(e, [0, 2, 1]), [B, gx, gy, gz, T, C]);
}

/** PositionalEmbedding (spec §2.3): + pos_embed (broadcast over T) + time_embed[..., :T]. */
export function addPositionalEmbedding(p: ParamScope, index: number, x: Tensor): Tensor {
  const T = x.shape[4];
  const pos = transpose(p.get(`pos_embeds.${index}.pos_embed`), [0, 2, 3, 4, 5, 1]); // [1, g, g, g, 1, C]
  let time = p.get(`pos_embeds.${index}.time_embed`); // [1, C, 1, 1, 1, T0]
  if (time.shape[5] !== T) time = sliceAxis(time, 5, 0, T);
  return add(add(x, pos), transpose(time, [0, 2, 3, 4, 5, 1]));
}

/** PatchMergingV2 (spec §2.7): 2×2×2 spatial neighbours concatenated in (i, j, k) order, norm, reduction. */
export function patchMerging(p: ParamScope, prefix: string, x: Tensor): Tensor {
  const [B, D, H, W, T, C] = x.shape;
  const r = reshape(x, [B, D / 2, 2, H / 2, 2, W / 2, 2, T, C]);
  const t = transpose(r, [0, 1, 3, 5, 7, 2, 4, 6, 8]);
  const cat = reshape(t, [B, D / 2, H / 2, W / 2, T, 8 * C]);
  return linear(layerNorm(cat, p.get(`${prefix}.norm.weight`), p.get(`${prefix}.norm.bias`)), p.get(`${prefix}.reduction.weight`));
}

/** One encoder stage's blocks (no merge); `prefix` = `layers.i` or `layers_up.j`. */
export function stageBlocks(p: ParamScope, mixer: Mixer, x: Tensor, stage: StageGeometry, prefix: string, prompts: boolean, taps?: Taps): Tensor {
  let h = x;
  for (let k = 0; k < stage.depth; k++) {
    h = windowBlock(p, mixer, h, stage, `${prefix}.blocks.${k}`, k % 2 === 1, { prompts, taps });
  }
  return h;
}

export interface EncoderOptions {
  prompts: boolean;
  taps?: Taps;
}

/**
 * Stages with positional embeddings, from channels-last patch tokens to the channels-last encoder
 * output (spec §2.4). Taps: `pos_embeds.i`, `layers.i` (channels-first, as the fixtures).
 */
export function encoder(p: ParamScope, mixer: Mixer, sizes: DerivedSizes, tokens: Tensor, options: EncoderOptions): Tensor {
  let x = tokens;
  for (const st of sizes.stages) {
    x = addPositionalEmbedding(p, st.index, x);
    options.taps?.record(`pos_embeds.${st.index}`, toChannelsFirst(x));
    x = stageBlocks(p, mixer, x, st, `layers.${st.index}`, options.prompts, options.taps);
    if (st.merges) x = patchMerging(p, `layers.${st.index}.downsample`, x);
    options.taps?.record(`layers.${st.index}`, toChannelsFirst(x));
  }
  return x;
}
