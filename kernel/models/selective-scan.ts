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
 *
 * Backward (training): the scan is a custom-gradient region (kernel/graph/custom-gradient.ts). With
 * g_t = ∂L/∂h_t, the adjoint λ_t = g_t + a_{t+1}·λ_{t+1} is the same recurrence in reverse time,
 * and ∂L/∂x_t = λ_t, ∂L/∂log a_t = λ_t·a_t·h_{t−1}. recurrenceBackward solves it with the forward's
 * chunking (reverse CumSum within chunks, the chunk level recursively), from log a, the output h, g
 * and one chunk-end tensor per level: it keeps no other chunk intermediate of the forward alive.
 * selectiveScan goes further: each window group is one region from its small inputs (u, δ, A, B, C)
 * whose backward recomputes x, log a and h itself, the groups one after another (scanGroup). It is
 * the exact gradient of the floored chunked
 * function above (a floor's Max passes no gradient where it is active), so it equals what generic
 * autodiff of the chunk nodes gives, to rounding (test/models/scan-backward.test.ts).
 */
import type { Tensor } from '../graph/tensor';
import { add, cast, div, exp, greaterOrEqual, maximum, mul, neg, sub } from '../graph/api/math';
import { cumsum, sum } from '../graph/api/reduce';
import { concat, pad, reshape, slice, sliceAxis, transpose } from '../graph/api/shape';
import { matmul } from '../graph/api/linalg';
import { withCustomGradient } from '../graph/custom-gradient';

/** Smallest per-step log-decay kept (see the overflow note above). */
export const LOG_DECAY_FLOOR = -18;
/** Chunk length: 18·K must stay well below float32's exp limit (88) with room for |x|. */
export const DEFAULT_CHUNK = 4;

export interface ScanOptions {
  /** Chunk length K (default 4; |S| ≤ 18·K must stay below ~80). */
  chunk?: number;
  /** Split the windows into this many independent groups (cache blocking; default 1). */
  groups?: number;
  /** Backward: 'recurrence' (default; the reverse-time chunked scan) or 'autodiff' (generic autodiff
   * through every chunk node; kept to measure and test the recurrence against). */
  backward?: ScanBackward;
}

export type ScanBackward = 'recurrence' | 'autodiff';

/** The backward used when ScanOptions/linearRecurrence name none (see withScanBackward). */
let defaultBackward: ScanBackward = 'recurrence';

/**
 * Runs `build` with `mode` as the default scan backward, so a whole model's graph (whose blocks do not
 * pass a backward) can be built with generic autodiff to measure or test the recurrence against it.
 * Graph building is synchronous, so the default holds exactly for the graph `build` constructs.
 */
export function withScanBackward<T>(mode: ScanBackward, build: () => T): T {
  const saved = defaultBackward;
  defaultBackward = mode;
  try {
    return build();
  } finally {
    defaultBackward = saved;
  }
}

/**
 * h over [M, L, S1, S2] (any two trailing state axes; selectiveScan uses [N, E]) for
 * h_t = exp(logA_t)·h_{t−1} + x_t, h_{−1} = 0. `logA` is already floored
 * (every element ≥ LOG_DECAY_FLOOR) and broadcastable to x ([M, L] leading, trailing axes may be 1).
 */
export function linearRecurrence(logA: Tensor, x: Tensor, chunk = DEFAULT_CHUNK, backward: ScanBackward = defaultBackward): Tensor {
  if (x.shape[1] === 1 || backward === 'autodiff') return chunkedRecurrence(logA, x, chunk);
  const ends: Tensor[] = [];
  return withCustomGradient('linearRecurrence', [logA, x], () => chunkedRecurrence(logA, x, chunk, ends), ({ inputs: [la], output, gy }) =>
    recurrenceBackward(la, output, gy, ends, chunk)
  );
}

/** Shifts along axis 1 by one step (zero first): h_{t−1} for every t. */
function previous(h: Tensor): Tensor {
  const L = h.shape[1];
  return pad(sliceAxis(h, 1, 0, L - 1), [[0, 0], [1, 0], ...h.shape.slice(2).map(() => [0, 0] as [number, number])]);
}

/**
 * [∂L/∂logA, ∂L/∂x] of h = chunkedRecurrence(logA, x, chunk, ends) from logA, h, the chunk-level
 * outputs `ends` (one per level, outermost first: where the chunk floor is active they differ from
 * h at chunk ends, so the backward takes the forward's) and g = ∂L/∂h (all [M, L, ...]; logA may
 * broadcast). Mirrors the forward level by level:
 * - within a chunk, with S the cumulative log-decay and w_t = Σ_{s≥t} g_s·exp(S_s) (a reverse
 *   CumSum), the adjoint is λ_t = (w_t + v·exp(S_{K−1}))/exp(S_t), where v is the gradient that
 *   reaches the chunk's end state through the chunk level;
 * - the chunk level is the same problem one level up: decays D = max(S_{K−1}, floor), outputs the
 *   chunk end states ends[0], gradients w_0 of the next chunk (what reaches its entering state);
 * - ∂L/∂log a_t = λ_t·a_t·h_{t−1} + [S_{K−1} ≥ floor]·∂L/∂D − v·exp(S_{K−1})·h_in, the last two per
 *   chunk: they cancel exactly when the floor is inactive, and otherwise give the floored function's
 *   gradient (the Max passes none to S; h_in's weight exp(S_{K−1}) in v is not the floored one).
 */
export function recurrenceBackward(logA: Tensor, h: Tensor, g: Tensor, ends: readonly Tensor[], chunk = DEFAULT_CHUNK): [Tensor | null, Tensor] {
  const [M, L, E, N] = h.shape;
  if (L === 1) return [null, g]; // h_{−1} = 0: the decay does not matter
  if (L <= chunk) {
    const eS = exp(cumsum(logA, 1));
    const lambda = div(cumsum(mul(g, eS), 1, { reverse: true }), eS);
    return [mul(mul(lambda, exp(logA)), previous(h)), lambda];
  }
  const nc = Math.ceil(L / chunk);
  const Lp = nc * chunk;
  // Zero padding: g = 0 there, so no adjoint flows from padded steps, and a padded h is no real step's h_{t−1}.
  const padT = (t: Tensor) => pad(t, [[0, 0], [0, Lp - L], [0, 0], [0, 0]]);
  const in5 = (t: Tensor) => reshape(padT(t), [M, nc, chunk, t.shape[2], t.shape[3]]);
  const la = in5(logA);
  const S = cumsum(la, 2);
  const eS = exp(S);
  const at = (t: Tensor, k: number) => reshape(sliceAxis(t, 2, k, k + 1), [M, nc, t.shape[3], t.shape[4]]);
  const chunk5 = (t: Tensor) => reshape(t, [M, nc, 1, t.shape[2], t.shape[3]]);
  const w = cumsum(mul(in5(g), eS), 2, { reverse: true });
  // The gradient reaching chunk c's end state from the next chunk's entering state: w_0 of chunk c+1.
  const first = at(w, 0);
  const gEnd = pad(sliceAxis(first, 1, 1, nc), [[0, 0], [0, 1], [0, 0], [0, 0]]);
  const lastS = at(S, chunk - 1);
  const chunkEnd = ends[0];
  const entering = previous(chunkEnd); // the state entering each chunk, [M, nc, E, N]
  const [gDecay, gEndState] = recurrenceBackward(maximum(lastS, LOG_DECAY_FLOOR), chunkEnd, gEnd, ends.slice(1), chunk);
  const endWeighted = mul(gEndState, at(eS, chunk - 1)); // v·exp(S_{K−1})
  const lambda = div(add(w, chunk5(endWeighted)), eS);
  const hPrev = concat([chunk5(entering), sliceAxis(reshape(padT(h), [M, nc, chunk, E, N]), 2, 0, chunk - 1)], 2);
  const unfloored = mul(endWeighted, entering); // v·exp(S_{K−1})·h_in
  // The chunk level has nc ≥ 2 steps, so its decay gradient exists; Max passes it where S ≥ floor (ties included).
  const floored = gDecay ? mul(gDecay, cast(greaterOrEqual(lastS, LOG_DECAY_FLOOR), lastS.dtype)) : null;
  const perChunk = floored ? sub(floored, unfloored) : neg(unfloored);
  const dLogA = add(mul(mul(lambda, exp(la)), hPrev), chunk5(perChunk));
  const unpad = (t: Tensor) => {
    const flat = reshape(t, [M, Lp, E, N]);
    return Lp === L ? flat : sliceAxis(flat, 1, 0, L);
  };
  return [unpad(dLogA), unpad(lambda)];
}

/**
 * The forward's chunked solve (generic autodiff differentiates these nodes when backward is
 * 'autodiff'). Appends each level's chunk end states to `ends`, outermost level first.
 */
function chunkedRecurrence(logA: Tensor, x: Tensor, chunk: number, ends: Tensor[] = []): Tensor {
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
  const slot = ends.push(x) - 1; // this level's entry, before the deeper levels'
  const chunkEnd = chunkedRecurrence(chunkDecay, mul(lastOf(eS), lastOf(acc)), chunk, ends); // [M, nc, E, N]
  ends[slot] = chunkEnd;
  // State entering chunk c = end state of chunk c−1 (zero for the first chunk); h = exp(S)·(h_in + acc).
  const entering = reshape(pad(sliceAxis(chunkEnd, 1, 0, nc - 1), [[0, 0], [1, 0], [0, 0], [0, 0]]), [M, nc, 1, E, N]);
  const h = mul(eS, add(acc, entering));
  const flat = reshape(h, [M, Lp, E, N]);
  return Lp === L ? flat : sliceAxis(flat, 1, 0, L);
}

/**
 * y[m,t,e] = Σ_n C[m,t,n]·h[m,t,n,e] with h from the selective scan of u, δ, A, B (spec §2.6 step 6,
 * without the D skip). Shapes: u, delta [M, L, E]; A [E, N] (already −exp(A_log)); B, C [M, L, N].
 */
export function selectiveScan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, options: ScanOptions = {}): Tensor {
  const groups = Math.max(1, Math.min(options.groups ?? 1, u.shape[0]));
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  const backward = options.backward ?? defaultBackward;
  const chain: BackwardChain = { last: null, built: new Set() };
  if (groups > 1) {
    const M = u.shape[0];
    const parts: Tensor[] = [];
    for (let g = 0; g < groups; g++) {
      const lo = Math.floor((g * M) / groups);
      const hi = Math.floor(((g + 1) * M) / groups);
      const part = (t: Tensor) => sliceAxis(t, 0, lo, hi);
      parts.push(scanGroup(g, part(u), part(delta), A, part(B), part(C), chunk, backward, chain));
    }
    return concat(parts, 0);
  }
  return scanGroup(0, u, delta, A, B, C, chunk, backward, chain);
}

/** The forward of one window group: ordinary nodes; `ends` collects the chunk levels' end states. */
function scanForward(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk: number, ends?: Tensor[]): { y: Tensor; h: Tensor; logA: Tensor; deltaA: Tensor; du: Tensor } {
  const [M, L, E] = u.shape;
  const N = A.shape[1];
  // The state is laid out [M, L, N, E] (channels innermost): the three broadcasts below (δ·A, δu·B,
  // C·h) then run over contiguous spans of E (72–576) instead of N = 16, which onnxruntime's
  // broadcasting kernels process several times faster; the C contraction is one MatMul
  // ([1, N] @ [N, E] per step) instead of Mul + ReduceSum. The recurrence is elementwise over the
  // two trailing axes, so their order changes no value.
  const dT = reshape(delta, [M, L, 1, E]);
  const du = mul(delta, u);
  const x = mul(reshape(du, [M, L, 1, E]), reshape(B, [M, L, N, 1]));
  const deltaA = mul(dT, transpose(A, [1, 0]));
  const logA = maximum(deltaA, LOG_DECAY_FLOOR);
  const h = chunkedRecurrence(logA, x, chunk, ends);
  return { y: reshape(matmul(reshape(C, [M, L, 1, N]), h), [M, L, E]), h, logA, deltaA, du };
}

/**
 * The window groups of one selectiveScan call, backward in sequence: `last` is a scalar of the group
 * backward built last, which the next one's recomputation is tied to; `built` resets the chain when
 * gradients are built a second time on the same graph.
 */
interface BackwardChain {
  last: Tensor | null;
  built: Set<number>;
}

/** One element of t as a scalar (a slice and a reshape: a few bytes, whatever t's size). */
const scalarOf = (t: Tensor) => reshape(sliceAxis(sliceAxis(sliceAxis(t, 0, 0, 1), 1, 0, 1), 2, 0, 1), []);

/**
 * One window group as a custom-gradient region from u, δ, A, B, C to y (recurrence backward): the
 * backward reads only these five small inputs ([M, L, E] and [M, L, N]) and recomputes x, log a and h
 * itself, so no [M, L, N, E] tensor of the forward stays alive for the backward (nor is one
 * recomputed by activation recomputation, kernel/graph/recompute.ts, which copies only what the
 * backward reads). The recomputation starts from δ + 0·s, s a scalar of this group's incoming gradient
 * plus one of the group backward built before it: onnxruntime, which runs any topological order,
 * then cannot start a group's [M, L, N, E] work before the previous group's gradients exist, so one
 * group's temporaries are alive at a time (x + 0 = x exactly: no value changes).
 */
function scanGroup(index: number, u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, chunk: number, backward: ScanBackward, chain: BackwardChain): Tensor {
  if (u.shape[1] === 1 || backward === 'autodiff') return scanForward(u, delta, A, B, C, chunk).y;
  return withCustomGradient('selectiveScan', [u, delta, A, B, C], () => scanForward(u, delta, A, B, C, chunk).y, ({ gy, needs }) => {
    if (chain.built.has(index)) {
      chain.built.clear();
      chain.last = null;
    }
    chain.built.add(index);
    const token = chain.last ? add(scalarOf(gy), chain.last) : scalarOf(gy);
    const zero = mul(token, 0);
    const grads = scanGroupBackward(u, add(delta, zero), A, B, C, add(gy, zero), needs, chunk);
    const present = grads.filter((t): t is Tensor => t !== null);
    chain.last = present.map(t => reshape(slice(t, { starts: t.shape.map(() => 0), ends: t.shape.map(() => 1) }), [])).reduce((a, b) => add(a, b));
    return grads;
  });
}

/**
 * [∂L/∂u, ∂L/∂δ, ∂L/∂A, ∂L/∂B, ∂L/∂C] of one group from its inputs and g = ∂L/∂y (δ and g tied by
 * the caller). With h recomputed: ∂L/∂h = C ⊗ g, ∂L/∂C = h·g (one MatMul); recurrenceBackward gives
 * ∂L/∂x and ∂L/∂log a; x = δu ⊗ B gives ∂L/∂(δu) = Bᵀ·∂L/∂x and ∂L/∂B = ∂L/∂x·δu (MatMuls over N and
 * E); log a = max(δ·A, floor) passes ∂L/∂log a where δ·A ≥ floor (ties included) to δ (Σ over N of
 * ·A) and A (Σ over windows and steps of ·δ).
 */
function scanGroupBackward(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, g: Tensor, needs: readonly boolean[], chunk: number): (Tensor | null)[] {
  const [M, L, E] = u.shape;
  const N = A.shape[1];
  const ends: Tensor[] = [];
  const { h, logA, deltaA, du } = scanForward(u, delta, A, B, C, chunk, ends);
  const gh = mul(reshape(C, [M, L, N, 1]), reshape(g, [M, L, 1, E]));
  const dC = needs[4] ? reshape(matmul(h, reshape(g, [M, L, E, 1])), [M, L, N]) : null;
  const [dLogA, dx] = recurrenceBackward(logA, h, gh, ends, chunk);
  const dB = needs[3] ? reshape(matmul(dx, reshape(du, [M, L, E, 1])), [M, L, N]) : null;
  const dDu = reshape(matmul(reshape(B, [M, L, 1, N]), dx), [M, L, E]);
  const dU = needs[0] ? mul(dDu, delta) : null;
  let dDelta = needs[1] ? mul(dDu, u) : null;
  let dA: Tensor | null = null;
  if (dLogA && (needs[1] || needs[2])) {
    const gl = mul(dLogA, cast(greaterOrEqual(deltaA, LOG_DECAY_FLOOR), dLogA.dtype));
    if (dDelta) dDelta = add(dDelta, reshape(sum(mul(gl, transpose(A, [1, 0])), [2]), [M, L, E]));
    if (needs[2]) dA = transpose(sum(mul(gl, reshape(delta, [M, L, 1, E])), [0, 1]), [1, 0]);
  }
  return [dU, dDelta, dA, dB, dC];
}
