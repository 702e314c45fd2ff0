/**
 * Bias recalibration of a binary classification head after fine-tuning (our `default` recipe only;
 * the `official` recipe keeps the official head untouched, spec §5).
 *
 * Why (kernel/train/README.md, "Every pretrained test subject in one class"): from a pretrained
 * start, the pooled features share a large common vector μ with little spread around it. AdamW moves
 * every head weight by about lr per step whatever the gradient's size, so every clip's logit moves by
 * about Δw·μ, together: the ranking (AUROC) stays the probe's, but the threshold drifts until every
 * test subject is in one class (balanced accuracy 0.500). Refitting only the head's bias on the
 * training clips, with the weights fixed, puts the threshold back where the training labels say,
 * without touching the ranking.
 *
 * The fit: the offset δ maximising the training clips' binomial log-likelihood
 * Σ y log σ(z+δ) + (1-y) log(1-σ(z+δ)), z the clips' logits. The derivative g(δ) = Σ y - Σ σ(z+δ)
 * is strictly decreasing, so the maximiser is its single root, and with p the positive fraction it
 * lies in [logit(p) - max z, logit(p) - min z] (there σ(z+δ) ≤ p for every clip, resp. ≥ p). Newton
 * steps kept inside that shrinking bracket (bisection when a step leaves it) find it; no draws, so a
 * resumed run computes the same δ. At the root the mean of σ(z+δ) equals p (stationarity).
 */
import { ShapeError } from '../errors';
import type { NeuroStormModel } from '../models/model';
import type { SessionOptions } from '../runtime/session';
import { readCheckpoint, replaceCheckpointModel } from './checkpoint';

/** The graph name of the binary head's bias (one logit). */
export const HEAD_BIAS = 'cls:output_head.head.head.bias';

/** What a recalibration did, as recorded in trainer-state.json and run.json. */
export interface BiasRecalibration {
  /** δ added to the head bias. */
  offset: number;
  /** Training clips it was fitted on, and their positive fraction. */
  clips: number;
  positive_fraction: number;
  /** Head bias before and after (float32 as stored). */
  bias_before: number;
  bias_after: number;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * The bias offset δ maximising the binomial likelihood of `labels` (0/1) under logits `logits` + δ;
 * null when the labels are all one class (no finite maximiser: the likelihood only grows with |δ|).
 */
export function fitBiasOffset(logits: readonly number[], labels: readonly number[]): number | null {
  const n = logits.length;
  if (n === 0 || labels.length !== n) throw new ShapeError(`bias recalibration needs one 0/1 label per logit, got ${n} logits and ${labels.length} labels`);
  let positives = 0;
  let zMin = Infinity;
  let zMax = -Infinity;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new ShapeError(`bias recalibration labels must be 0 or 1, got ${labels[i]} at ${i}`);
    if (!Number.isFinite(logits[i])) throw new ShapeError(`bias recalibration logits must be finite, got ${logits[i]} at ${i}`);
    positives += labels[i];
    zMin = Math.min(zMin, logits[i]);
    zMax = Math.max(zMax, logits[i]);
  }
  if (positives === 0 || positives === n) return null;
  const p = positives / n;
  const target = Math.log(p / (1 - p));
  let lo = target - zMax;
  let hi = target - zMin;
  if (lo === hi) return lo; // every logit equal: δ = logit(p) - z exactly
  // g(δ) = Σ y - Σ σ(z+δ) (≥ 0 at lo, ≤ 0 at hi); h = g' = -Σ σ(1-σ) < 0.
  let delta = Math.min(Math.max(0, lo), hi);
  for (let it = 0; it < 200; it++) {
    let g = positives;
    let h = 0;
    for (let i = 0; i < n; i++) {
      const s = sigmoid(logits[i] + delta);
      g -= s;
      h -= s * (1 - s);
    }
    if (g === 0) return delta;
    if (g > 0) lo = delta;
    else hi = delta;
    if (Math.abs(g) <= 1e-13 * n || hi - lo <= 1e-15 * Math.max(1, Math.abs(delta))) return delta;
    const newton = h < 0 ? delta - g / h : NaN;
    delta = newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
  }
  return delta;
}

/**
 * Refits the bias of `model`'s binary head on the training clips' logits (`logits`: one [logit] per
 * clip, from this model) and labels, in place. Returns null, leaving the model as it is, when the
 * training labels are one class.
 */
export function recalibrateHeadBias(model: NeuroStormModel, logits: readonly (readonly number[])[], labels: readonly number[]): BiasRecalibration | null {
  const bias = model.parameterValues().get(HEAD_BIAS);
  if (!bias || bias.length !== 1) throw new ShapeError(`bias recalibration needs a one-logit binary head (${HEAD_BIAS}), got ${bias ? bias.length : 'none'}`);
  for (const row of logits) if (row.length !== 1) throw new ShapeError(`bias recalibration needs one logit per clip, got ${row.length}`);
  const offset = fitBiasOffset(logits.map(r => r[0]), labels);
  if (offset === null) return null;
  const after = Float32Array.of(bias[0] + offset);
  model.setParameter(HEAD_BIAS, after);
  const positives = labels.reduce((a, b) => a + b, 0);
  return { offset, clips: labels.length, positive_fraction: positives / labels.length, bias_before: bias[0], bias_after: after[0] };
}

/**
 * Recalibrates the head bias of checkpoint `dir` (the weights that will predict) on the training
 * clips and writes the result back into the checkpoint, recording it as `bias_recalibration` in its
 * trainer-state.json; returns the recalibrated model as loaded back from the checkpoint, so a fresh
 * and a resumed run predict with the same stored weights. A checkpoint that already carries the
 * record (a run killed after this step) is used as it is: δ is fitted once, on the trained weights.
 */
export async function recalibrateCheckpoint(
  dir: string,
  labels: readonly number[],
  trainLogits: (model: NeuroStormModel) => Promise<number[][]>,
  session?: SessionOptions
): Promise<{ model: NeuroStormModel; recalibration: BiasRecalibration | null }> {
  const ck = await readCheckpoint(dir, session);
  if ('bias_recalibration' in ck.extra) return { model: ck.model, recalibration: ck.extra.bias_recalibration as BiasRecalibration | null };
  const recalibration = recalibrateHeadBias(ck.model, await trainLogits(ck.model), labels);
  await replaceCheckpointModel(dir, ck.model, { bias_recalibration: recalibration });
  return { model: (await readCheckpoint(dir, session)).model, recalibration };
}
