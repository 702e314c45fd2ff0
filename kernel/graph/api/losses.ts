/**
 * Losses (spec §5): MSE, cross-entropy over class logits, BCE with logits. Each returns a scalar
 * (mean over the batch), as PyTorch's default `reduction='mean'`.
 */
import { ShapeError } from '../../errors';
import { formatShape } from '../shapes';
import type { Tensor } from '../tensor';
import { abs, cast, equal, mul, neg, relu, softplus, sub, add } from './math';
import { logSoftmax, mean, sum } from './reduce';
import { unsqueeze } from './shape';

/** mean((pred - target)²) */
export function mseLoss(pred: Tensor, target: Tensor): Tensor {
  const d = sub(pred, target);
  return mean(mul(d, d));
}

/** Multiclass cross-entropy: logits [N, C], labels int64 [N] in [0, C). */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
    throw new ShapeError(`crossEntropy: logits ${logits} must be [N,C] and labels ${labels} [N]`);
  }
  const classes = logits.graph.constant(Array.from({ length: logits.shape[1] }, (_, i) => i), [logits.shape[1]], labels.dtype);
  const onehot = cast(equal(unsqueeze(labels, 1), classes), logits.dtype);
  return neg(mean(sum(mul(onehot, logSoftmax(logits, 1)), [1])));
}

/** Binary cross-entropy on logits (stable form: max(x,0) - x·y + log(1 + e^-|x|)). */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  if (logits.shape.length !== targets.shape.length || logits.shape.some((d, i) => d !== targets.shape[i])) {
    throw new ShapeError(`bceWithLogits: logits ${logits} and targets ${targets} differ in shape ${formatShape(logits.shape)} vs ${formatShape(targets.shape)}`);
  }
  return mean(add(sub(relu(logits), mul(logits, targets)), softplus(neg(abs(logits)))));
}
