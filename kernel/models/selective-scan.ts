/**
 * Mamba's selective scan (spec §2.6 step 6) as a differentiable, memory-bounded parallel scan built
 * from standard ONNX ops (CumSum, Exp, Mul, Max, Pad, Slice, Reshape), so the engine's autodiff
 * differentiates it and onnxruntime runs it without a per-step loop.
 *
 * The recurrence h_t = a_t·h_{t-1} + x_t with a_t = exp(δ_t·A) (elementwise over [E, N]) is solved
 * in chunks of K steps with the cumulative log-decay form
 *   S_t = Σ_{s≤t, same chunk} log a_s,   h_t = exp(S_t)·(h_in + Σ_{s≤t} exp(−S_s)·x_s),
 * and the chunk-entry states h_in come from the same recurrence one level up, over the chunk totals
 * (decay exp(S_{K−1}), value h_{K−1} with h_in = 0), recursively until one chunk remains.
 *
 * Overflow: exp(−S) must stay finite. Each per-step log-decay is floored at LOG_DECAY_FLOOR = −18,
 * so |S| ≤ 18·K = 72 for K = 4 and exp(−S) ≤ 2·10³¹. Flooring changes a decay factor smaller than
 * e^−18 ≈ 1.5·10⁻⁸ (below half a float32 ulp of 1) into e^−18: the state entering that step is then
 * weighted by at most 1.5·10⁻⁸ instead of less, a change under float32 rounding of the result. The
 * chunk-level decays are floored the same way. So the scan is exact to float32 precision for any δ.
 */
import type { Tensor } from '../graph/tensor';
import { add, div, exp, maximum, mul } from '../graph/api/math';
import { cumsum, sum } from '../graph/api/reduce';
import { concat, pad, reshape, sliceAxis } from '../graph/api/shape';

/** Smallest per-step log-decay kept (see the overflow note above). */
export const LOG_DECAY_FLOOR = -18;
/** Chunk length: 18·K must stay well below float32's exp limit (88) with room for |x|. */
export const DEFAULT_CHUNK = 4;

export interface ScanOptions {
  /** Chunk length K (default 4; |S| ≤ 18·K must stay below ~80). */
  chunk?: number;
  /** Split the windows into this many independent groups (cache blocking; default 1). */
  groups?: number;
}

/**
 * h over [M, L, E, N] for h_t = exp(logA_t)·h_{t−1} + x_t, h_{−1} = 0. `logA` is already floored
 * (every element ≥ LOG_DECAY_FLOOR) and broadcastable to x.
 */
export function linearRecurrence(logA: Tensor, x: Tensor, chunk = DEFAULT_CHUNK): Tensor {
  const [M, L, E, N] = x.shape;
  if (L === 1) return x;
  if (L <= chunk) {
    const eS = exp(cumsum(logA, 1));
    return mul(eS, cumsum(div(x, eS), 1));
  }
  const nc = Math.ceil(L / chunk);
  const Lp = nc * chunk;
  // Zero-pad at the end: padded steps come after every real step, so they change nothing before them.
  const padT = (t: Tensor) => pad(t, [[0, 0], [0, Lp - L], [0, 0], [0, 0]]);
  const la = reshape(padT(logA), [M, nc, chunk, logA.shape[2], logA.shape[3]]);
  const xs = reshape(padT(x), [M, nc, chunk, E, N]);
  const S = cumsum(la, 2);
  const eS = exp(S);
  // exp(−S) as 1/exp(S): one Div instead of Neg + Exp; exp(S) ≥ e^−72 stays a normal float32.
  const acc = cumsum(div(xs, eS), 2); // Σ_{s≤t} exp(−S_s)·x_s within the chunk
  const lastOf = (t: Tensor) => reshape(sliceAxis(t, 2, chunk - 1, chunk), [t.shape[0], nc, t.shape[3], t.shape[4]]);
  const chunkDecay = maximum(lastOf(S), LOG_DECAY_FLOOR);
  const chunkEnd = linearRecurrence(chunkDecay, mul(lastOf(eS), lastOf(acc)), chunk); // [M, nc, E, N]
  // State entering chunk c = end state of chunk c−1 (zero for the first chunk); h = exp(S)·(h_in + acc).
  const entering = reshape(pad(sliceAxis(chunkEnd, 1, 0, nc - 1), [[0, 0], [1, 0], [0, 0], [0, 0]]), [M, nc, 1, E, N]);
  const h = mul(eS, add(acc, entering));
  const flat = reshape(h, [M, Lp, E, N]);
  return Lp === L ? flat : sliceAxis(flat, 1, 0, L);
}

/**
 * y[m,t,e] = Σ_n h[m,t,e,n]·C[m,t,n] with h from the selective scan of u, δ, A, B (spec §2.6 step 6,
 * without the D skip). Shapes: u, delta [M, L, E]; A [E, N] (already −exp(A_log)); B, C [M, L, N].
 */
export function selectiveScan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, options: ScanOptions = {}): Tensor {
  const groups = Math.max(1, Math.min(options.groups ?? 1, u.shape[0]));
  if (groups > 1) {
    const M = u.shape[0];
    const parts: Tensor[] = [];
    for (let g = 0; g < groups; g++) {
      const lo = Math.floor((g * M) / groups);
      const hi = Math.floor(((g + 1) * M) / groups);
      const part = (t: Tensor) => sliceAxis(t, 0, lo, hi);
      parts.push(selectiveScan(part(u), part(delta), A, part(B), part(C), { ...options, groups: 1 }));
    }
    return concat(parts, 0);
  }
  const [M, L, E] = u.shape;
  const N = A.shape[1];
  const d4 = reshape(delta, [M, L, E, 1]);
  const logA = maximum(mul(d4, A), LOG_DECAY_FLOOR); // [M, L, E, N]
  const x = mul(mul(d4, reshape(u, [M, L, E, 1])), reshape(B, [M, L, 1, N]));
  const h = linearRecurrence(logA, x, options.chunk ?? DEFAULT_CHUNK);
  return sum(mul(h, reshape(C, [M, L, 1, N])), [3]);
}
