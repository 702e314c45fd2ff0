/**
 * Neural-network composites built from primitives (style.md, point 4), so each has a gradient for
 * free: GELU (exact, erf), SiLU, LayerNorm, dropout with an explicit mask, the causal depthwise
 * Conv1d of Mamba (spec §2.6 step 2).
 *
 * @example
 *   const h = gelu(linear(layerNorm(x, g, b), w1, b1));
 */
import { ShapeError } from '../../errors';
import { formatShape } from '../shapes';
import type { Tensor } from '../tensor';
import { add, mul, sigmoid } from './math';
import { normalizeAxis } from '../shapes';
import { pad, reshape, sliceAxis, transpose } from './shape';

/** Exact GELU: x/2 · (1 + erf(x/√2)) (PyTorch nn.GELU() default; spec §1). One fused op with a named backward. */
export function gelu(x: Tensor): Tensor {
  return x.graph.emit('Gelu', [x])[0];
}

/** SiLU (swish): x · sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}

/** LayerNorm over the trailing axes covered by `scale` (PyTorch nn.LayerNorm; eps 1e-5 as spec §1). */
export function layerNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon = 1e-5): Tensor {
  const axis = x.rank - scale.rank;
  if (axis < 0) throw new ShapeError(`layerNorm: scale ${scale.name}${formatShape(scale.shape)} has more axes than input ${x}`);
  return x.graph.emit('LayerNormalization', [x, scale, bias], { axis, epsilon })[0];
}

/**
 * Dropout with an explicit keep-mask input (1 keep, 0 drop; same shape or broadcastable), scaled by
 * 1/(1-p) as PyTorch does in training. The mask comes from the caller's seeded generator, so runs
 * are reproducible (design.md: randomness is passed in explicitly).
 */
export function dropout(x: Tensor, keepMask: Tensor, p: number): Tensor {
  if (!(p >= 0 && p < 1)) throw new ShapeError(`dropout: p=${p} must be in [0, 1)`);
  return mul(mul(x, keepMask), 1 / (1 - p));
}

/**
 * Causal depthwise Conv1d along `timeAxis` of a channels-last input (PyTorch Conv1d(groups=E,
 * padding=k-1) keeping the first L outputs): y[t,e] = b[e] + Σ_k w[e,0,k] · x[t-(k_size-1)+k, e].
 * Built as Pad + k Slices + Mul + Add (each primitive has a gradient). `weight` is PyTorch's
 * [E, 1, k] and `bias` [E]; the channel axis is the last one.
 */
export function causalDepthwiseConv1d(x: Tensor, weight: Tensor, bias: Tensor | null, timeAxis = -2): Tensor {
  const t = normalizeAxis(timeAxis, x.rank, 'causalDepthwiseConv1d');
  const channels = x.shape[x.rank - 1];
  if (weight.rank !== 3 || weight.shape[0] !== channels || weight.shape[1] !== 1) {
    throw new ShapeError(`causalDepthwiseConv1d: weight ${weight.name}${formatShape(weight.shape)} must be [${channels},1,k] for input ${x}`);
  }
  if (t === x.rank - 1) throw new ShapeError(`causalDepthwiseConv1d: time axis ${timeAxis} is the channel axis of ${x}`);
  const k = weight.shape[2];
  const length = x.shape[t];
  const pads = x.shape.map((): [number, number] => [0, 0]);
  pads[t] = [k - 1, 0];
  const padded = pad(x, pads);
  const taps = transpose(reshape(weight, [channels, k]), [1, 0]); // [k, E]: taps[j] multiplies x[t-(k-1)+j]
  let y: Tensor | null = bias;
  for (let j = 0; j < k; j++) {
    const term = mul(sliceAxis(padded, t, j, j + length), reshape(sliceAxis(taps, 0, j, j + 1), [channels]));
    y = y ? add(y, term) : term;
  }
  return y as Tensor;
}
