/**
 * Losses (spec §5): MSE, cross-entropy over class logits, BCE with logits; NT-Xent for the
 * subject-contrastive pretraining term (ours, kernel/train/README.md). Each returns a scalar
 * (mean over the batch), as PyTorch's default `reduction='mean'`.
 */
import { ShapeError } from '../../errors';
import { formatShape } from '../shapes';
import type { Tensor } from '../tensor';
import { abs, cast, div, equal, maximum, mul, neg, relu, softplus, sqrt, sub, add } from './math';
import { logSoftmax, mean, sum } from './reduce';
import { transpose, unsqueeze } from './shape';
import { matmul } from './linalg';

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

/** Rows of x [N, d] scaled to unit L2 norm (F.normalize: divided by max(‖x‖, 1e-12)). */
export function l2Normalize(x: Tensor): Tensor {
  return div(x, maximum(sqrt(sum(mul(x, x), [1], true)), 1e-12));
}

/**
 * NT-Xent (SimCLR's normalized temperature-scaled cross-entropy) over 2N views z [2N, d] that are
 * already L2-normalised: row i's positive is row (i + N) mod 2N, its negatives every other row but
 * itself; loss = mean over the 2N rows of −log softmax_{k≠i}(z_i·z_k / τ)[positive]. The self-pair is
 * removed by adding −1e9 on the diagonal before the softmax (exp of it is exactly 0 in float32 and
 * float64, so neither the value nor the gradient sees it).
 */
export function ntXent(z: Tensor, temperature: number): Tensor {
  if (z.rank !== 2 || z.shape[0] < 4 || z.shape[0] % 2 !== 0) throw new ShapeError(`ntXent: views ${z} must be [2N, d] with N >= 2`);
  if (!(temperature > 0)) throw new ShapeError(`ntXent: temperature must be > 0, got ${temperature}`);
  const M = z.shape[0];
  const N = M / 2;
  const diag = new Float64Array(M * M);
  const positive = new Float64Array(M * M);
  for (let i = 0; i < M; i++) {
    diag[i * M + i] = -1e9;
    positive[i * M + ((i + N) % M)] = 1;
  }
  const sim = div(matmul(z, transpose(z, [1, 0])), temperature);
  const masked = add(sim, z.graph.constant(diag, [M, M], z.dtype));
  return neg(mean(sum(mul(z.graph.constant(positive, [M, M], z.dtype), logSoftmax(masked, 1)), [1])));
}
