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
 * and ∂L/∂x_t = λ_t, ∂L/∂log a_t = λ_t·a_t·h_{t−1}. chunkedSolve's backward solves it with the
 * forward's chunking (reverse CumSum within chunks, the chunk level recursively) from the solve's own
 * exp(S), x·exp(−S) and chunk-entry states. Each window group of selectiveScan is one region from its
 * small inputs (u, δ, A, B, C) whose backward recomputes the forward and runs that solve's backward
 * (sharing exp(S) and x·exp(−S) with it), the groups one after another (scanGroup), each group in
 * window blocks (cache blocking). Inputs are padded once per group to the recurrence length
 * (scanLength) and split into the blocks, not the [M, L, N, E] state tensors per level. linearRecurrence's
 * backward is the exact gradient of the floored chunked function above (a floor's Max passes no gradient
 * where it is active), so it equals what generic autodiff of the chunk nodes gives, to rounding. The
 * scan group's backward is the textbook gradient of the recurrence instead (∂L/∂log a_t =
 * λ_t·a_t·h_{t−1} on the solve's values: every floor, per-step and chunk-level, passes its gradient
 * straight through): it differs from the floored function's only where a decay below e^−18 was floored,
 * by at most e^−18 of |λ·h| there (under float32 rounding, scanGroupBackward), and needs no masks and no
 * decay gradients of the chunk levels (test/models/scan-backward.test.ts checks both peers).
 */
import type { Tensor } from '../graph/tensor';
import { add, cast, div, exp, greaterOrEqual, maximum, mul, neg, sub } from '../graph/api/math';
import { cumsum, sum } from '../graph/api/reduce';
import { concat, pad, reshape, slice, sliceAxis, split, transpose } from '../graph/api/shape';
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
  /** Within a group, scan (and differentiate) windows in blocks of at most this many state elements
   * (cache blocking inside one gradient region; default SCAN_BLOCK_ELEMENTS). */
  block?: number;
  /** Backward: 'recurrence' (default; the reverse-time chunked scan) or 'autodiff' (generic autodiff
   * through every chunk node; kept to measure and test the recurrence against). */
  backward?: ScanBackward;
}

export type ScanBackward = 'recurrence' | 'autodiff';

/**
 * Window-block size inside a group: at most 2^20 state elements (4 MB float32 per state tensor, the
 * size of an inference group; a stage-0 TPT training group of 46 windows × 320 × 16 × 72 runs as 23
 * blocks of 2 windows, 2.8 MB per state tensor). Training groups are large (few gradient regions,
 * kernel/train/trainer.ts); splitting their scan into blocks keeps an elementwise pass's inputs and
 * output (~9 MB) inside this machine's 32 MB L3 cache, where with 2^22 blocks (3 × 15 MB) they did
 * not fit. The price is graph size: the official TPT step had 3.4× the nodes (138,541 vs 40,807 with
 * one block per group; 154,657 before the blocks shared their input pads, splits and cuts; 118,319
 * since the group backward builds no floor masks or chunk-level decay gradients) and
 * onnxruntime's session creation, once per trainer, takes several times longer. Measured side by side
 * (2^22 / 2^21 / 2^20: official TPT step CPU 1 / 0.92 / 0.89): kernel/models/README.md.
 */
export const SCAN_BLOCK_ELEMENTS = 1 << 20;

/** A group's settings, resolved. */
interface GroupOptions {
  chunk: number;
  backward: ScanBackward;
  block: number;
}

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

/** One element of t as a scalar (a slice and a reshape: a few bytes, whatever t's size). */
const scalarOf = (t: Tensor) => reshape(slice(t, { starts: t.shape.map(() => 0), ends: t.shape.map(() => 1) }), []);

/**
 * h over [M, L, S1, S2] (any two trailing state axes; selectiveScan uses [N, E]) for
 * h_t = exp(logA_t)·h_{t−1} + x_t, h_{−1} = 0. `logA` is already floored
 * (every element ≥ LOG_DECAY_FLOOR) and broadcastable to x ([M, L] leading, trailing axes may be 1).
 * With the recurrence backward its gradient region reads only logA and x: the backward recomputes the
 * solve (tied to the incoming gradient) and runs that solve's own backward.
 */
export function linearRecurrence(logA: Tensor, x: Tensor, chunk = DEFAULT_CHUNK, backward: ScanBackward = defaultBackward): Tensor {
  if (x.shape[1] === 1 || backward === 'autodiff') return chunkedSolve(logA, x, chunk).h;
  return withCustomGradient('linearRecurrence', [logA, x], () => chunkedSolve(logA, x, chunk).h, ({ gy }) =>
    chunkedSolve(add(logA, mul(scalarOf(gy), 0)), x, chunk).backward(gy)
  );
}

/**
 * One chunked solve: its output h and a builder of its backward. The backward reads the solve's own
 * intermediates (exp(S), x·exp(−S), the chunk-entry states), so a backward that recomputes the forward
 * shares them with it instead of building them a second time.
 */
interface Solve {
  h: Tensor;
  /** [∂L/∂logA, ∂L/∂x] from g = ∂L/∂h (x's shape; logA's gradient may need reducing to a broadcast logA).
   * ∂L/∂logA is null for L = 1: h_{−1} = 0, so the decay does not matter. */
  backward(g: Tensor): [Tensor | null, Tensor];
  /**
   * The textbook gradient of the recurrence on the solve's values, every floor passed straight through:
   * ∂L/∂x_t = λ_t and ∂L/∂logA_t = λ_t·a_t·h_{t−1} (a_t the floored per-step decay, h the solve's
   * states), without the per-chunk terms that give the chunk-level floors' masks. It differs from
   * backward() only where a chunk's decay is below e^−18 (there by v·exp(S_{K−1})·h_in, under e^−18 of
   * |v·h_in|), and needs no decay gradient from the level above, so the levels above build ∂L/∂x only.
   * `dLogA` builds ∂L/∂logA when called (null for L = 1).
   */
  straight(g: Tensor): { dx: Tensor; dLogA: () => Tensor | null };
}

/**
 * The chunked solve (generic autodiff differentiates its forward nodes when backward is 'autodiff').
 *
 * Forward, per level (K = chunk, nc chunks): S = cumsum of log a within each chunk, d = x·exp(−S)
 * (as x / exp(S): one Div instead of Neg + Exp; exp(S) ≥ e^−72 stays a normal float32),
 * acc = cumsum(d), the chunk totals (decay max(S_{K−1}, floor), value exp(S_{K−1})·acc_{K−1}) solved one
 * level up for the chunk end states, h = exp(S)·(acc + h_in) with h_in the previous chunk's end state.
 *
 * Backward, per level, with w_t = Σ_{s≥t} g_s·exp(S_s) (a reverse CumSum within the chunk):
 * - the gradient reaching chunk c's end state is w_0 of chunk c+1 (its entering state); the level
 *   above turns it into v = ∂L/∂(chunk value) and ∂L/∂(chunk decay);
 * - with W_t = w_t + v·exp(S_{K−1}): ∂L/∂x_t = λ_t = W_t / exp(S_t);
 * - ∂L/∂log a_t = λ_t·a_t·h_{t−1} + [S_{K−1} ≥ floor]·∂L/∂D − v·exp(S_{K−1})·h_in, the last two per
 *   chunk (they cancel exactly when the floor is inactive, and otherwise give the floored function's
 *   gradient: the Max passes none to S; h_in's weight exp(S_{K−1}) in v is not the floored one). Since
 *   h_{t−1} = exp(S_{t−1})·(acc_{t−1} + h_in) and a_t = exp(S_t − S_{t−1}), λ_t·a_t·h_{t−1} =
 *   W_t·(acc⁻_t + h_in) with acc⁻ the exclusive cumsum of d (acc⁻_0 = 0, h_{−1} = h_in): no exp(log a),
 *   no shifted copy of h, no division.
 * The chunk level has nc ≥ 2 steps, so its decay gradient exists; Max passes it where S ≥ floor
 * (ties included), as generic autodiff does.
 */
function chunkedSolve(logA: Tensor, x: Tensor, chunk: number): Solve {
  const [M, L, E, N] = x.shape;
  if (L === 1) return { h: x, backward: g => [null, g], straight: g => ({ dx: g, dLogA: () => null }) };
  if (L <= chunk) {
    const eS = exp(cumsum(logA, 1));
    const d = div(x, eS);
    return {
      h: mul(eS, cumsum(d, 1)),
      backward: g => {
        const w = cumsum(mul(g, eS), 1, { reverse: true });
        return [mul(w, cumsum(d, 1, { exclusive: true })), div(w, eS)];
      },
      // No chunk level, so no floor inside: the same gradient.
      straight: g => {
        const w = cumsum(mul(g, eS), 1, { reverse: true });
        return { dx: div(w, eS), dLogA: () => mul(w, cumsum(d, 1, { exclusive: true })) };
      }
    };
  }
  const nc = Math.ceil(L / chunk);
  const Lp = nc * chunk;
  // Zero-pad at the end: padded steps come after every real step, so they change nothing before them
  // (selectiveScan pads its small inputs instead, so its first level needs none).
  const padT = (t: Tensor) => pad(t, [[0, 0], [0, Lp - L], [0, 0], [0, 0]]);
  const unpad = (t: Tensor) => {
    const flat = reshape(t, [M, Lp, E, N]);
    return Lp === L ? flat : sliceAxis(flat, 1, 0, L);
  };
  const la = reshape(padT(logA), [M, nc, chunk, logA.shape[2], logA.shape[3]]);
  const xs = reshape(padT(x), [M, nc, chunk, E, N]);
  const S = cumsum(la, 2);
  const eS = exp(S);
  const d = div(xs, eS);
  const acc = cumsum(d, 2); // Σ_{s≤t} exp(−S_s)·x_s within the chunk
  // Per-chunk tensors stay [M, nc, 1, ·, ·] (the chunk axis kept) and are reshaped only where the
  // level above reads or returns them: fewer Reshape nodes per level (onnxruntime pays per node; the
  // values are the same elementwise products).
  const lastOf = (t: Tensor) => sliceAxis(t, 2, chunk - 1, chunk);
  const to4 = (t: Tensor) => reshape(t, [M, nc, t.shape[3], t.shape[4]]);
  const chunk5 = (t: Tensor) => reshape(t, [M, nc, 1, t.shape[2], t.shape[3]]);
  const lastS = lastOf(S);
  const lastES = lastOf(eS);
  const level = chunkedSolve(to4(maximum(lastS, LOG_DECAY_FLOOR)), to4(mul(lastES, lastOf(acc))), chunk);
  // State entering chunk c = end state of chunk c−1 (zero for the first chunk); h = exp(S)·(h_in + acc).
  const entering = chunk5(pad(sliceAxis(level.h, 1, 0, nc - 1), [[0, 0], [1, 0], [0, 0], [0, 0]])); // [M, nc, 1, E, N]
  const h = unpad(mul(eS, add(acc, entering)));
  // Both backwards start alike: w, and the gradient reaching each chunk's end state (w_0 of the next
  // chunk: one Slice over both axes, zero for the last chunk).
  const reverse = (g: Tensor) => {
    const w = cumsum(mul(reshape(padT(g), [M, nc, chunk, E, N]), eS), 2, { reverse: true });
    const next = reshape(slice(w, { starts: [1, 0], ends: [nc, 1], axes: [1, 2] }), [M, nc - 1, E, N]);
    return { w, gEnd: pad(next, [[0, 0], [0, 1], [0, 0], [0, 0]]) };
  };
  const before = () => add(cumsum(d, 2, { exclusive: true }), entering); // h_{t−1}·exp(−S_{t−1})
  const backward = (g: Tensor): [Tensor | null, Tensor] => {
    const { w, gEnd } = reverse(g);
    const [gDecay, gValue] = level.backward(gEnd);
    const endWeighted = mul(chunk5(gValue), lastES); // v·exp(S_{K−1})
    const W = add(w, endWeighted);
    const unfloored = mul(endWeighted, entering); // v·exp(S_{K−1})·h_in
    const floored = gDecay ? mul(chunk5(gDecay), cast(greaterOrEqual(lastS, LOG_DECAY_FLOOR), lastS.dtype)) : null;
    const perChunk = floored ? sub(floored, unfloored) : neg(unfloored);
    return [unpad(add(mul(W, before()), perChunk)), unpad(div(W, eS))];
  };
  const straight = (g: Tensor) => {
    const { w, gEnd } = reverse(g);
    const W = add(w, mul(chunk5(level.straight(gEnd).dx), lastES));
    return { dx: unpad(div(W, eS)), dLogA: () => unpad(mul(W, before())) };
  };
  return { h, backward, straight };
}

/**
 * y[m,t,e] = Σ_n C[m,t,n]·h[m,t,n,e] with h from the selective scan of u, δ, A, B (spec §2.6 step 6,
 * without the D skip). Shapes: u, delta [M, L, E]; A [E, N] (already −exp(A_log)); B, C [M, L, N].
 */
export function selectiveScan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, options: ScanOptions = {}): Tensor {
  const groups = Math.max(1, Math.min(options.groups ?? 1, u.shape[0]));
  const o: GroupOptions = { chunk: options.chunk ?? DEFAULT_CHUNK, backward: options.backward ?? defaultBackward, block: options.block ?? SCAN_BLOCK_ELEMENTS };
  const chain: BackwardChain = { last: null, built: new Set() };
  if (groups > 1) {
    const M = u.shape[0];
    const parts: Tensor[] = [];
    for (let g = 0; g < groups; g++) {
      const lo = Math.floor((g * M) / groups);
      const hi = Math.floor(((g + 1) * M) / groups);
      const part = (t: Tensor) => sliceAxis(t, 0, lo, hi);
      parts.push(scanGroup(g, part(u), part(delta), A, part(B), part(C), o, chain));
    }
    return concat(parts, 0);
  }
  return scanGroup(0, u, delta, A, B, C, o, chain);
}

/**
 * The number of steps the recurrence runs for L real steps: L rounded up to a multiple of K² (of K
 * when L ≤ K²), so neither the first chunk level nor the second pads a state tensor. selectiveScan
 * pads its small inputs (u, δ, B, C: [M, L, E] and [M, L, N]) to this length instead, with δ = 0 there:
 * log a = max(0, floor) = 0 and x = 0, so a padded step carries the state unchanged and, coming after
 * every real step, changes nothing the real steps see; y is sliced back once ([M, L, E]).
 */
export function scanLength(L: number, chunk: number): number {
  if (L <= chunk) return L;
  const q = L <= chunk * chunk ? chunk : chunk * chunk;
  return Math.ceil(L / q) * q;
}

/**
 * [lo, hi) spans of M windows, each of at most `block` state elements (one window at least), as even as
 * possible; one span when the group fits.
 */
function blockSpans(M: number, L: number, E: number, N: number, chunk: number, block: number): [number, number][] {
  const per = Math.max(1, Math.floor(block / (scanLength(L, chunk) * E * N)));
  const n = Math.ceil(M / per);
  return Array.from({ length: n }, (_, i) => [Math.floor((i * M) / n), Math.floor(((i + 1) * M) / n)] as [number, number]);
}

/** Zero steps appended to axis 1 of [M, L, …] up to Lp. */
const padSteps = (t: Tensor, Lp: number) => pad(t, [[0, 0], [0, Lp - t.shape[1]], ...t.shape.slice(2).map(() => [0, 0] as [number, number])]);

/** The first L steps of [M, Lp, …] (nothing when Lp = L). */
const firstSteps = (t: Tensor, L: number) => (t.shape[1] === L ? t : sliceAxis(t, 1, 0, L));

/**
 * The scan of one window group on inputs already padded to the recurrence length: ordinary nodes (the
 * solve's backward builder is used only when the group backward recomputes it).
 */
function scanCore(u: Tensor, delta: Tensor, AT: Tensor, B: Tensor, C: Tensor, chunk: number): { y: Tensor; solve: Solve; du: Tensor } {
  const [M, L, E] = u.shape;
  const N = AT.shape[0];
  // The state is laid out [M, L, N, E] (channels innermost): the three broadcasts below (δ·A, δu·B,
  // C·h) then run over contiguous spans of E (72–576) instead of N = 16, which onnxruntime's
  // broadcasting kernels process several times faster; the C contraction is one MatMul
  // ([1, N] @ [N, E] per step) instead of Mul + ReduceSum. The recurrence is elementwise over the
  // two trailing axes, so their order changes no value.
  const dT = reshape(delta, [M, L, 1, E]);
  const du = mul(delta, u);
  const x = mul(reshape(du, [M, L, 1, E]), reshape(B, [M, L, N, 1]));
  const solve = chunkedSolve(maximum(mul(dT, AT), LOG_DECAY_FLOOR), x, chunk);
  return { y: reshape(matmul(reshape(C, [M, L, 1, N]), solve.h), [M, L, E]), solve, du };
}

/**
 * A group's small inputs, each padded once to the recurrence length and cut into the window blocks by
 * one Split (instead of a Slice and a Pad per block and input: the official TPT step has ~440 blocks,
 * and onnxruntime pays per node, kernel/models/README.md).
 */
function blocksOf(ts: Tensor[], spans: [number, number][], Lp: number): Tensor[][] {
  return ts.map(t => {
    const p = padSteps(t, Lp);
    return spans.length === 1 ? [p] : split(p, spans.map(([lo, hi]) => hi - lo), 0);
  });
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
function scanGroup(index: number, u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, o: GroupOptions, chain: BackwardChain): Tensor {
  const { chunk, backward } = o;
  const L = u.shape[1];
  const Lp = scanLength(L, chunk);
  const spans = blockSpans(u.shape[0], L, A.shape[0], A.shape[1], chunk, o.block);
  // Blocks join padded and y is cut back to L once; A's transpose is shared by every block.
  const forward = () => {
    const [us, ds, Bs, Cs] = blocksOf([u, delta, B, C], spans, Lp);
    const AT = transpose(A, [1, 0]);
    return firstSteps(concat(spans.map((_, k) => scanCore(us[k], ds[k], AT, Bs[k], Cs[k], chunk).y), 0), L);
  };
  if (u.shape[1] === 1 || backward === 'autodiff') return forward();
  return withCustomGradient('selectiveScan', [u, delta, A, B, C], forward, ({ gy, needs }) => {
    if (chain.built.has(index)) {
      chain.built.clear();
      chain.last = null;
    }
    chain.built.add(index);
    const token = chain.last ? add(scalarOf(gy), chain.last) : scalarOf(gy);
    const zero = mul(token, 0);
    const [dt, gt] = [add(delta, zero), add(gy, zero)];
    const [us, ds, Bs, Cs, gs] = blocksOf([u, dt, B, C, gt], spans, Lp);
    const AT = transpose(A, [1, 0]);
    const parts = spans.map((_, k) => scanGroupBackward(us[k], ds[k], AT, Bs[k], Cs[k], gs[k], needs, chunk));
    // Per input [u, δ, A, B, C]: A (index 2) is shared by every window, so its block gradients add;
    // the others are per window: the blocks' padded pieces join along the window axis and are cut
    // back to L once.
    const grads = [0, 1, 2, 3, 4].map(i => {
      const ts = parts.map(p => p[i]).filter((t): t is Tensor => t !== null);
      if (!ts.length) return null;
      return i === 2 ? transpose(ts.reduce((a, b) => add(a, b)), [1, 0]) : firstSteps(concat(ts, 0), L);
    });
    const present = grads.filter((t): t is Tensor => t !== null);
    chain.last = present.map(scalarOf).reduce((a, b) => add(a, b));
    return grads;
  });
}

/**
 * [∂L/∂u, ∂L/∂δ, ∂L/∂A, ∂L/∂B, ∂L/∂C] of one group from its inputs and g = ∂L/∂y (δ and g tied by
 * the caller), all one block of the group's inputs padded to the recurrence length (g = 0 on padded
 * steps, so no gradient flows from them; the caller cuts the joined gradients back, and δ = 0 there
 * adds nothing to ∂L/∂A; ∂L/∂A comes back as [N, E], the caller transposes the blocks' sum once). The forward is
 * recomputed and its solve's backward reuses its exp(S) and x·exp(−S). ∂L/∂h = C ⊗ g, ∂L/∂C = h·g
 * (one MatMul); the solve gives ∂L/∂x and ∂L/∂log a; x = δu ⊗ B gives ∂L/∂(δu) = Bᵀ·∂L/∂x and
 * ∂L/∂B = ∂L/∂x·δu (MatMuls over N and E); log a = max(δ·A, floor) passes ∂L/∂log a straight
 * through (no mask where the floor is active: see below) to δ (Σ over N of ·A) and A (Σ over windows and
 * steps of ·δ).
 */
function scanGroupBackward(uP: Tensor, dP: Tensor, AT: Tensor, BP: Tensor, CP: Tensor, gP: Tensor, needs: readonly boolean[], chunk: number): (Tensor | null)[] {
  const [M, Lp, E] = uP.shape;
  const N = AT.shape[0];
  const { solve, du } = scanCore(uP, dP, AT, BP, CP, chunk);
  const gh = mul(reshape(CP, [M, Lp, N, 1]), reshape(gP, [M, Lp, 1, E]));
  const dC = needs[4] ? reshape(matmul(solve.h, reshape(gP, [M, Lp, E, 1])), [M, Lp, N]) : null;
  // The textbook gradient of the recurrence (Solve.straight): the floors pass ∂L/∂log a straight
  // through, the per-step floor log a = max(δ·A, floor) here as the chunk-level ones inside the solve.
  // Where a floor is active (a decay below e^−18), ∂L/∂log a_t = λ_t·a_t·h_{t−1} with a_t = e^−18 (or
  // the chunk's decay below e^−18) instead of the floored function's 0: they differ by at most e^−18 of
  // |λ_t·h_{t−1}| per element, the same relative size as the forward's own floor change (a decay below
  // e^−18 replaced by e^−18), under float32 rounding; the unfloored function's gradient (PyTorch's)
  // lies between the two. The masks cost three [M, L, N, E] passes per block (GreaterOrEqual, Cast,
  // Mul), and the chunk-level terms a full-size Add plus every level's decay gradient
  // (kernel/models/README.md, fourth pass); test/models/scan-backward.test.ts checks both peers.
  const { dx, dLogA: logAGrad } = solve.straight(gh);
  const dB = needs[3] ? reshape(matmul(dx, reshape(du, [M, Lp, E, 1])), [M, Lp, N]) : null;
  const dDu = reshape(matmul(reshape(BP, [M, Lp, 1, N]), dx), [M, Lp, E]);
  const dU = needs[0] ? mul(dDu, dP) : null;
  let dDelta = needs[1] ? mul(dDu, uP) : null;
  let dA: Tensor | null = null;
  const dLogA = needs[1] || needs[2] ? logAGrad() : null;
  if (dLogA) {
    if (dDelta) dDelta = add(dDelta, reshape(sum(mul(dLogA, AT), [2]), [M, Lp, E]));
    if (needs[2]) dA = sum(mul(dLogA, reshape(dP, [M, Lp, 1, E])), [0, 1]);
  }
  return [dU, dDelta, dA, dB, dC];
}
