/**
 * Linear-probe initialisation of the task head (LP-FT: fit the head on frozen features, then
 * fine-tune; Kumar et al., ICLR 2022), part of our `default` recipe, not of the official code
 * (which starts the head from PyTorch's Linear init). Why: the pooled backbone features share a
 * large common part and differ between subjects by ~1% of their size, so a freshly initialised
 * Linear head trained by AdamW for a few hundred steps barely moves the logits (measured on the CPU
 * configuration: the training loss stayed at the constant-prediction level), while a logistic
 * regression on the same features, standardised, separates them. The probe is fitted with
 * kernel/eval/linear.ts (z-scored features, L2) and folded back into the official head's
 * [n_out, C] weight and bias in raw feature units, so the model stays the official architecture.
 */
import { fitLogistic, fitRidge, LinearModel } from '../eval/linear';
import type { NeuroStormModel } from '../models/model';
import type { Sample, TaskType } from './samples';

/** w and b of a linear decision function, recovered from its predictions at 0 and the unit vectors. */
function affine(model: LinearModel, dim: number): { w: Float64Array; b: number } {
  const rows = [new Float64Array(dim), ...Array.from({ length: dim }, (_, j) => {
    const e = new Float64Array(dim);
    e[j] = 1;
    return e;
  })];
  const out = model.predict(rows);
  const b = out[0];
  return { w: Float64Array.from({ length: dim }, (_, j) => out[j + 1] - b), b };
}

/**
 * Fits the head of `model` on `features` (one pooled vector per training clip) and writes it into
 * the model: binary → one logistic, multiclass/reid → one-vs-rest logistics, regression → ridge on
 * the standardised targets.
 */
export function probeInitHead(model: NeuroStormModel, type: TaskType, train: readonly Sample[], features: number[][], standardisedTargets?: readonly number[]): void {
  const dim = features[0].length;
  const kind = type === 'regression' ? 'reg' : 'cls';
  const rows: { w: Float64Array; b: number }[] = [];
  if (type === 'regression') rows.push(affine(fitRidge(features, standardisedTargets as number[]), dim));
  else {
    const classes = Math.max(2, new Set(train.map(s => s.label)).size);
    const targets = classes === 2 ? [1] : Array.from({ length: classes }, (_, k) => k);
    for (const k of targets) rows.push(affine(fitLogistic(features, train.map(s => (s.label === k ? 1 : 0))), dim));
  }
  const weight = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => weight.set(r.w, k * dim));
  model.setParameter(`${kind}:output_head.head.head.weight`, weight);
  model.setParameter(`${kind}:output_head.head.head.bias`, Float32Array.from(rows, r => r.b));
}
