/**
 * The amplitude-map term of an MAE training step (ours, not the official code's; kernel/train/README.md
 * says why): the mean-pooled encoder output of the masked forward, through one Linear (D → patches),
 * predicts the clip's regional amplitude map computed from the unmasked input of the same step.
 * Without it the pooled latent of the skip-free NeuroSTORM MAE keeps the brain-wide time courses and
 * loses the between-subject regional amplitudes that the heads (which pool the same way) need.
 *
 * Target, from the step's input before augmentation (graph input `amplitude_x`, the same shape as x;
 * pretrain() feeds the clip as read, the training step's x being augmented), per clip and per patch p
 * of the patch grid (the patchify of the masked loss):
 *   a_p = log(mean over p's voxels and all frames of x² + ε),  ε = AMPLITUDE_EPS_FRACTION × mean(x²)
 * over the whole clip (so the floor follows the input scale and background patches stay finite), then
 * centred over the patches of the clip (its overall gain cancels). The target is a constant of the step
 * (no gradient flows into the input).
 * Why not the augmented x: every training step rotates (±0.175 rad) and rescales (±10%) the clip and
 * 30% add a noise field; the brain's edge then moves across patches and noise lifts the background
 * patches from log ε, so the target's changes from pose and noise dwarf the between-subject
 * differences (measured on the benefit bench cohort, λ 1: training term 1.4-2.2 against a held-out
 * constant-map loss of 0.041; the held-out term rose 0.047 → 0.89 and the masked loss stayed at trivial).
 */
import type { Tensor } from '../../graph/tensor';
import { add, log, mul, stopGradient, sub } from '../../graph/api/math';
import { mean } from '../../graph/api/reduce';
import { reshape } from '../../graph/api/shape';
import { linear } from '../../graph/api/linalg';
import type { ParamScope } from './params';
import { poolTokens } from './heads';

/** ε of the log as a fraction of the clip's mean square input. */
export const AMPLITUDE_EPS_FRACTION = 1e-3;

/**
 * Weight λ > 0 and the scope of the projection: the cls head's Linear (`output_head.head.head.weight`
 * [P, D] and `.bias` [P]) of a cls head with P = gx·gy·gz outputs, so the projection is carried, saved
 * and replaced like any head.
 */
export interface AmplitudeMapTerm {
  weight: number;
  projection: ParamScope;
  /** The input the target is computed from, [B, c, X, Y, Z, T] (the unaugmented clip). */
  source: Tensor;
}

/**
 * The centred log amplitude map [B, gx·gy·gz] (see the file comment) from the patchified squared
 * input `sqPatches` = patchify(x²) [B, gx, gy, gz, T, sx·sy·sz·c] (./mae.ts patchify).
 */
export function amplitudeTarget(sqPatches: Tensor): Tensor {
  const B = sqPatches.shape[0];
  const eps = mul(mean(reshape(sqPatches, [B, -1]), [1]), AMPLITUDE_EPS_FRACTION); // [B]
  const perPatch = mean(sqPatches, [4, 5]); // [B, gx, gy, gz]
  const flat = reshape(perPatch, [B, -1]);
  const a = log(add(flat, reshape(eps, [B, 1])));
  return stopGradient(sub(a, mean(a, [1], true)));
}

/** Mean over batch and patches of (Linear(poolTokens(latent)) − target)². */
export function amplitudeMapLoss(latent: Tensor, projection: ParamScope, target: Tensor): Tensor {
  const pred = linear(poolTokens(latent), projection.get('output_head.head.head.weight'), projection.get('output_head.head.head.bias'));
  const d = sub(pred, target);
  return mean(mul(d, d));
}
