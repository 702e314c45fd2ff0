/**
 * NeuroSTORMMAE (spec §3) as an engine graph: patch embedding → masking with a given mask (tokens
 * replaced, not dropped) → encoder → decoder (PatchExpanding, layers_up, norm_up, decoder_pred) →
 * masked reconstruction loss against the raw input. With `strd` (training steps only), every encoder
 * block's Mamba output goes through STRD (./strd.ts, spec §2.8); the decoder never does.
 * With `contrastive` (training steps only; ours, not the official code's: its `--use_contrastive`
 * is non-functional for NeuroSTORM, spec §3), λ × NT-Xent on the mean-pooled encoder output of the
 * same forward is added to the masked loss (kernel/train/README.md, "Subject-contrastive pretraining").
 * With `amplitude` (training steps only; ours too), λ × the amplitude-map loss of ./amplitude-map.ts
 * (the pooled encoder output of the same forward predicting the unmasked, unaugmented input's
 * regional log amplitudes) is added as well.
 */
import type { Tensor } from '../../graph/tensor';
import { add, div, mul, sqrt, sub } from '../../graph/api/math';
import { mean, sum } from '../../graph/api/reduce';
import { reshape, transpose } from '../../graph/api/shape';
import { linear } from '../../graph/api/linalg';
import { l2Normalize, ntXent } from '../../graph/api/losses';
import { layerNorm } from '../../graph/api/nn';
import type { DerivedSizes, NeuroStormConfig } from '../config';
import { encoder, patchEmbed, stageBlocks } from './backbone';
import type { Mixer } from './blocks';
import type { ParamScope } from './params';
import type { Taps } from './taps';
import { StrdSpec, withStrd } from './strd';
import { partition, toChannelsFirst, unpartition } from './window';
import { poolTokens } from './heads';
import { AmplitudeMapTerm, amplitudeMapLoss, amplitudeTarget } from './amplitude-map';

/** Temperature of the contrastive term (the official EmbHead + NT-Xent uses 0.1, spec §3). */
export const CONTRASTIVE_TEMPERATURE = 0.1;

/**
 * The subject-contrastive term of an MAE training step: weight λ > 0 and the scope of the emb
 * projection (`output_head.fc1.weight`, the EmbHead's fc1). The batch must hold N subjects' first
 * clips in rows 0..N-1 and their second clips in rows N..2N-1 (kernel/train/pair-batches.ts).
 */
export interface ContrastiveTerm {
  weight: number;
  projection: ParamScope;
  /** After fc1: 'none' (default) or 'batch' (the EmbHead's BatchNorm1d in training mode: batch statistics, bn1 affine). */
  norm?: ContrastiveNorm;
}

export type ContrastiveNorm = 'none' | 'batch';

/** PatchExpanding: Linear(dim → 4·dim), split (p1, p2, p3, c′) with c′ = dim/2 fastest, LayerNorm(dim/2). */
export function patchExpanding(p: ParamScope, prefix: string, x: Tensor): Tensor {
  const [B, D, H, W, T, C] = x.shape;
  const e = reshape(linear(x, p.get(`${prefix}.expand.weight`)), [B, D, H, W, T, 2, 2, 2, C / 2]);
  const t = reshape(transpose(e, [0, 1, 5, 2, 6, 3, 7, 4, 8]), [B, 2 * D, 2 * H, 2 * W, T, C / 2]);
  return layerNorm(t, p.get(`${prefix}.norm.weight`), p.get(`${prefix}.norm.bias`));
}

/** x [B, c, X, Y, Z, T] → patches [B, gx, gy, gz, T, sx·sy·sz·c] in PatchEmbed order (MAE patchify). */
export function patchify(cfg: NeuroStormConfig, x: Tensor): Tensor {
  const [B, c, X, Y, Z, T] = x.shape;
  const [sx, sy, sz] = cfg.patchSize;
  const r = reshape(x, [B, c, X / sx, sx, Y / sy, sy, Z / sz, sz, T]);
  return reshape(transpose(r, [0, 2, 4, 6, 8, 3, 5, 7, 1]), [B, X / sx, Y / sy, Z / sz, T, sx * sy * sz * c]);
}

/** Replaces masked units by mask tokens: window units (window_mask_token) or single tokens (mask_token). */
export function applyMask(p: ParamScope, cfg: NeuroStormConfig, tokens: Tensor, mask: Tensor): Tensor {
  const [B, D, H, W, T] = tokens.shape;
  if (cfg.mae.spatialMask === 'window') {
    const windows = partition(tokens, cfg.windowSize); // [B·nW, Nw, C]
    const m = reshape(mask, [windows.shape[0], 1, 1]);
    const replaced = add(sub(windows, mul(windows, m)), mul(m, p.get('window_mask_token')));
    return unpartition(replaced, cfg.windowSize, [B, D, H, W, T]);
  }
  const m = reshape(mask, [B, D, H, W, T, 1]);
  return add(sub(tokens, mul(tokens, m)), mul(m, p.get('mask_token')));
}

export interface MaeOutputs {
  pred: Tensor;
  /** The training loss: the masked loss, plus λ × contrastive and λ × amplitude map with those terms. */
  loss: Tensor;
  unitLoss: Tensor;
  /** With a contrastive or amplitude-map term: the masked loss on its own. */
  maskedLoss?: Tensor;
  /** With a contrastive term: the NT-Xent on its own. */
  contrastiveLoss?: Tensor;
  /** With an amplitude-map term: its loss on its own (before λ). */
  amplitudeMapLoss?: Tensor;
}

/**
 * NT-Xent of the pooled encoder output latent [B, d, h, w, t, C]: mean over every token (as the
 * heads pool), fc1 without bias, optionally BatchNorm with batch statistics, L2 normalisation.
 * Default 'none': with it the common component of the pooled features (the collapse this term is
 * against) stays in the cosine, and the loss can fall only as between-subject differences grow
 * against it; at evaluation the EmbHead's BatchNorm at its init (running stats 0/1) only scales, so
 * `embed --head emb` gives the trained directions. Measured (kernel/train/README.md): with 'none'
 * every cosine of the trained MAE's views is 0.998-0.999 and the term stays at log(2N-1), so
 * 'batch' (the official EmbHead in training mode) subtracts the batch mean and divides by the batch
 * sd per feature (biased, eps 1e-5, as BatchNorm1d), leaving only the differences between the clips.
 */
export function contrastiveLoss(latent: Tensor, projection: ParamScope, norm: ContrastiveNorm = 'none'): Tensor {
  let f = linear(poolTokens(latent), projection.get('output_head.fc1.weight'));
  if (norm === 'batch') {
    const centred = sub(f, mean(f, [0], true));
    const bn = div(centred, sqrt(add(mean(mul(centred, centred), [0], true), 1e-5)));
    f = add(mul(bn, projection.get('output_head.bn1.weight')), projection.get('output_head.bn1.bias'));
  }
  return ntXent(l2Normalize(f), CONTRASTIVE_TEMPERATURE);
}

/** The MAE forward with a given mask [B, units] (1 = masked), returning pred, loss and per-unit loss. */
export function maeForward(p: ParamScope, mixer: Mixer, cfg: NeuroStormConfig, sizes: DerivedSizes, x: Tensor, mask: Tensor, taps?: Taps, strd?: StrdSpec, contrastive?: ContrastiveTerm, amplitude?: AmplitudeMapTerm): MaeOutputs {
  const tokens = applyMask(p, cfg, patchEmbed(p, cfg, x), mask);
  taps?.record('masked_tokens', toChannelsFirst(tokens));
  const latent = encoder(p, strd ? withStrd(mixer, strd) : mixer, sizes, tokens, { prompts: false });
  taps?.record('latent', toChannelsFirst(latent));
  let h = patchExpanding(p, 'first_patch_expanding', latent);
  taps?.record('first_patch_expanding', h);
  for (const st of sizes.decoder) {
    h = stageBlocks(p, mixer, h, st, `layers_up.${st.index}`, false);
    if (st.index < sizes.decoder.length - 1) h = patchExpanding(p, `layers_up.${st.index}.upsample`, h);
    taps?.record(`layers_up.${st.index}`, toChannelsFirst(h));
  }
  const raw = linear(layerNorm(h, p.get('norm_up.weight'), p.get('norm_up.bias')), p.get('decoder_pred.weight'), p.get('decoder_pred.bias'));
  const [B, c, X, Y, Z, T] = x.shape;
  const [sx, sy, sz] = cfg.patchSize;
  const [gx, gy, gz] = sizes.patchGrid;
  const pred = reshape(transpose(reshape(raw, [B, gx, gy, gz, T, sx, sy, sz, c]), [0, 8, 1, 5, 2, 6, 3, 7, 4]), [B, c, X, Y, Z, T]);
  const diff = sub(patchify(cfg, x), raw);
  const tokenErr = mean(mul(diff, diff), [5], true); // [B, gx, gy, gz, T, 1]
  const unitLoss =
    cfg.mae.spatialMask === 'window'
      ? reshape(mean(partition(tokenErr, cfg.windowSize), [1, 2]), [B, mask.shape[1]])
      : reshape(tokenErr, [B, mask.shape[1]]);
  const loss = div(sum(mul(unitLoss, mask)), sum(mask));
  const withCon = contrastive !== undefined && contrastive.weight > 0;
  const withAmp = amplitude !== undefined && amplitude.weight > 0;
  // no term: the graph of before, node for node
  if (!withCon && !withAmp) return { pred, loss, unitLoss };
  const out: MaeOutputs = { pred, loss, unitLoss, maskedLoss: loss };
  if (withCon) {
    out.contrastiveLoss = contrastiveLoss(latent, contrastive.projection, contrastive.norm);
    out.loss = add(out.loss, mul(out.contrastiveLoss, contrastive.weight));
  }
  if (withAmp) {
    out.amplitudeMapLoss = amplitudeMapLoss(latent, amplitude.projection, amplitudeTarget(patchify(cfg, mul(amplitude.source, amplitude.source))));
    out.loss = add(out.loss, mul(out.amplitudeMapLoss, amplitude.weight));
  }
  return out;
}
