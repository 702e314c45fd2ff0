/**
 * Heads on the channels-last encoder output (spec §4): every head first mean-pools over all tokens
 * (space and time). cls v1 / reg v1: one Linear. emb: fc1 (no bias) → BatchNorm1d with running
 * statistics (eval) → L2 normalisation.
 */
import type { Tensor } from '../../graph/tensor';
import { add, div, maximum, mul, sqrt, sub } from '../../graph/api/math';
import { mean, sum } from '../../graph/api/reduce';
import { linear } from '../../graph/api/linalg';
import type { HeadKind } from '../weights/weight-set';
import type { ParamScope } from './params';

/** Mean over every token: [B, d, h, w, t, C] → [B, C]. */
export function poolTokens(x: Tensor): Tensor {
  return mean(x, [1, 2, 3, 4]);
}

export function head(p: ParamScope, kind: HeadKind, pooled: Tensor): Tensor {
  if (kind !== 'emb') return linear(pooled, p.get('output_head.head.head.weight'), p.get('output_head.head.head.bias'));
  const f = linear(pooled, p.get('output_head.fc1.weight'));
  const bn = add(
    mul(div(sub(f, p.get('output_head.bn1.running_mean')), sqrt(add(p.get('output_head.bn1.running_var'), 1e-5))), p.get('output_head.bn1.weight')),
    p.get('output_head.bn1.bias')
  );
  const norm = sqrt(sum(mul(bn, bn), [1], true));
  return div(bn, maximum(norm, 1e-12));
}
