/**
 * Named backward helpers for the ops whose gradient is more than a one-liner (style.md, point 4:
 * as PyTorch's FunctionsManual). Each builds its gradient from primitive ops, so backward graphs
 * are plain ONNX (onnxruntime-node has no *Grad kernels). Broadcast reduction is not done here; the
 * engine's sumToShape does it after every rule.
 */
import { GradientNotImplementedError } from '../errors';
import { add, cast, div, equal, erf, mul, neg, sub } from './api/math';
import { gemm, matmul } from './api/linalg';
import { exp } from './api/math';
import { mean, sum } from './api/reduce';
import { concat, expand, pad, reshape, slice, transpose } from './api/shape';
import { numel } from './shapes';
import type { Tensor } from './tensor';

/** A tensor of zeros of the given shape and dtype (a broadcast scalar; no big initializer). */
export function zeros(like: Tensor, shape: readonly number[] = like.shape): Tensor {
  return expand(like.graph.scalar(0, like.dtype), shape);
}

/** Shape of a reduction's output with the reduced axes kept as 1. */
export function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/** Swaps the last two axes. */
export function transposeLast2(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

/** ReduceSum/ReduceMean backward: the output gradient spread over the reduced axes. */
export function reduceBackward(gy: Tensor, x: Tensor, axes: readonly number[], keepdims: boolean, isMean: boolean): Tensor {
  const g = keepdims ? gy : reshape(gy, keptShape(x.shape, axes));
  const spread = expand(g, x.shape);
  if (!isMean) return spread;
  const count = numel(axes.map(a => x.shape[a]));
  return div(spread, count);
}

/** ReduceMax backward: ties share the gradient equally (torch.amax semantics). */
export function reduceMaxBackward(gy: Tensor, x: Tensor, y: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const kept = keptShape(x.shape, axes);
  const yk = keepdims ? y : reshape(y, kept);
  const g = keepdims ? gy : reshape(gy, kept);
  const mask = cast(equal(x, yk), x.dtype);
  const count = sum(mask, axes, true);
  return mul(div(mask, count), g);
}

/** Softmax backward: y * (gy - sum(gy * y)). */
export function softmaxBackward(gy: Tensor, y: Tensor, axis: number): Tensor {
  return mul(y, sub(gy, sum(mul(gy, y), [axis], true)));
}

/** LogSoftmax backward: gy - softmax(x) * sum(gy), with softmax(x) = exp(y). */
export function logSoftmaxBackward(gy: Tensor, y: Tensor, axis: number): Tensor {
  return sub(gy, mul(exp(y), sum(gy, [axis], true)));
}

/**
 * LayerNormalization backward over axes [axis, rank), from the forward's Mean and InvStdDev:
 * x̂ = (x − mean)·invstd, gx̂ = gy·scale, gx = invstd·(gx̂ − E[gx̂] − x̂·E[gx̂·x̂]). Returns
 * [gx, gscale, gbias]; the engine sums gscale/gbias over the leading axes.
 */
export function layerNormBackward(gy: Tensor, x: Tensor, scale: Tensor, mu: Tensor, invStd: Tensor, axis: number): [Tensor, Tensor, Tensor] {
  const axes = x.shape.map((_, i) => i).filter(i => i >= axis);
  const xhat = mul(sub(x, mu), invStd);
  const gxhat = mul(gy, scale);
  const gx = mul(invStd, sub(sub(gxhat, mean(gxhat, axes, true)), mul(xhat, mean(mul(gxhat, xhat), axes, true))));
  return [gx, mul(gy, xhat), gy];
}

/**
 * MatMul backward: [gy·bᵀ, aᵀ·gy] (batch broadcast summed by the engine). When one operand is a
 * 2-D weight shared by a batched other, its gradient is one GEMM over the flattened batch
 * ([K, B·M]·[B·M, N]) instead of B small products followed by a ReduceSum over B.
 */
export function matmulBackward(gy: Tensor, a: Tensor, b: Tensor): [Tensor, Tensor] {
  const k = a.shape[a.rank - 1];
  const n = b.shape[b.rank - 1];
  const ga = a.rank === 2 && b.rank === 2 ? gemm(gy, b, null, { transB: true }) : matmul(gy, transposeLast2(b));
  const gb = b.rank === 2 && a.rank > 2 && gy.rank === a.rank
    ? gemm(reshape(a, [-1, k]), reshape(gy, [-1, n]), null, { transA: true })
    : a.rank === 2 && b.rank === 2 ? gemm(a, gy, null, { transA: true }) : matmul(transposeLast2(a), gy);
  return [ga, gb];
}

/**
 * Gemm backward for Y = alpha·op(A)·op(B) + beta·C, each input gradient one Gemm whose trans flags
 * absorb the transposes (no Transpose nodes): with op(X)ᵀ = transX ? X : Xᵀ,
 * gA = alpha·gy·op(B)ᵀ (transposed back when transA), gB = alpha·op(A)ᵀ·gy (likewise), gC = beta·gy.
 */
export function gemmBackward(gy: Tensor, a: Tensor, b: Tensor, transA: boolean, transB: boolean, alpha: number, beta: number): [Tensor, Tensor, Tensor] {
  const ga = transA ? gemm(b, gy, null, { transA: transB, transB: true, alpha }) : gemm(gy, b, null, { transB: !transB, alpha });
  const gb = transB ? gemm(gy, a, null, { transA: true, transB: transA, alpha }) : gemm(a, gy, null, { transA: !transA, alpha });
  return [ga, gb, beta === 1 ? gy : mul(gy, beta)];
}

/**
 * Slice backward: the gradient placed back at the sliced positions, zeros elsewhere. Positive steps
 * only: a stride s is undone by padding s-1 zeros after each element (Reshape + Pad), then the
 * whole axis is padded to the input's length.
 */
export function sliceBackward(gy: Tensor, x: Tensor, starts: readonly number[], axes: readonly number[], steps: readonly number[], node: string): Tensor {
  let g = gy;
  const before = new Array<number>(x.rank).fill(0);
  const after = new Array<number>(x.rank).fill(0);
  axes.forEach((axis, i) => {
    const step = steps[i];
    if (step < 0) {
      throw new GradientNotImplementedError(`Slice (node ${node}) with negative step ${step} on axis ${axis} of ${x} has no gradient rule; slice forwards and reverse with a gather instead`);
    }
    const m = g.shape[axis];
    if (step > 1 && m > 0) {
      // [.., m, ..] -> [.., m, 1, ..] -> pad to [.., m, step, ..] -> [.., m*step, ..], trimmed to the span.
      const withUnit = reshape(g, [...g.shape.slice(0, axis + 1), 1, ...g.shape.slice(axis + 1)]);
      const pads = new Array<number>(2 * withUnit.rank).fill(0);
      pads[withUnit.rank + axis + 1] = step - 1;
      const spread = reshape(pad(withUnit, pads), [...g.shape.slice(0, axis), m * step, ...g.shape.slice(axis + 1)]);
      g = slice(spread, { starts: [0], ends: [(m - 1) * step + 1], axes: [axis] });
    }
    before[axis] = starts[i];
    after[axis] = x.shape[axis] - starts[i] - g.shape[axis];
  });
  return pad(g, [...before, ...after]);
}

/** Concat backward: one slice of the gradient per input. */
export function concatBackward(gy: Tensor, inputs: readonly Tensor[], axis: number): Tensor[] {
  let offset = 0;
  return inputs.map(t => {
    const piece = slice(gy, { starts: [offset], ends: [offset + t.shape[axis]], axes: [axis] });
    offset += t.shape[axis];
    return piece;
  });
}

/** Split backward: the output gradients concatenated (zeros for outputs that got none). */
export function splitBackward(gys: readonly (Tensor | null)[], outputs: readonly Tensor[], axis: number): Tensor {
  return concat(outputs.map((o, i) => gys[i] ?? zeros(o)), axis);
}

/** GELU backward: gy · (Φ(x) + x·φ(x)), Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^{-x²/2}/√(2π). */
export function geluBackward(gy: Tensor, x: Tensor): Tensor {
  const t = mul(x, Math.SQRT1_2);
  const cdf = add(mul(erf(t), 0.5), 0.5);
  const pdf = mul(exp(neg(mul(t, t))), 1 / Math.sqrt(2 * Math.PI));
  return mul(gy, add(cdf, mul(x, pdf)));
}

/**
 * Gather backward: scatter-add of the gradient rows into zeros of the data's shape (ScatterND with
 * reduction "add", so repeated indices accumulate). Indices must be non-negative.
 */
export function gatherBackward(gy: Tensor, x: Tensor, indices: Tensor, axis: number): Tensor {
  const r = indices.rank;
  const n = x.rank;
  // gy axes: x[:axis] (axis..) + indices (r) + x[axis+1:]; move the index axes to the front.
  const idxAxes = Array.from({ length: r }, (_, i) => axis + i);
  const pre = Array.from({ length: axis }, (_, i) => i);
  const post = Array.from({ length: n - axis - 1 }, (_, i) => axis + r + i);
  const gFront = transpose(gy, [...idxAxes, ...pre, ...post]);
  const rest = [...x.shape.slice(0, axis), ...x.shape.slice(axis + 1)];
  const base = zeros(gy, [x.shape[axis], ...rest]);
  const idx = reshape(indices, [...indices.shape, 1]);
  const scattered = gy.graph.emit('ScatterND', [base, idx, gFront], { reduction: 'add' })[0];
  // [x[axis], pre..., post...] back to x's axis order.
  const back = [...Array.from({ length: axis }, (_, i) => i + 1), 0, ...Array.from({ length: n - axis - 1 }, (_, i) => axis + 1 + i)];
  return transpose(scattered, back);
}

/** Max/Min backward: the gradient goes to the operand that won (`a` on ties). */
export function extremumBackward(gy: Tensor, a: Tensor, b: Tensor, aWins: Tensor): [Tensor, Tensor] {
  const wa = cast(aWins, gy.dtype);
  return [mul(gy, wa), mul(gy, sub(1, wa))];
}



/** Whether sumGradients joins padded pieces (see withPaddedSums). */
let joinPaddedPieces = true;

/**
 * Builds with padded gradient pieces summed by Pad + Add chains (`'add'`, the former rule) or joined
 * (`'concat'`, the default), so a bench can compare both step graphs in one process. Graph building
 * is synchronous: the choice holds exactly for what `build` constructs.
 */
export function withPaddedSums<T>(mode: 'add' | 'concat', build: () => T): T {
  const saved = joinPaddedPieces;
  joinPaddedPieces = mode === 'concat';
  try {
    return build();
  } finally {
    joinPaddedPieces = saved;
  }
}

/** The one axis a zero Pad pads (and its [begin, end) span of the unpadded piece), or null. */
function paddedSpan(t: Tensor): { axis: number; begin: number; end: number; piece: Tensor } | null {
  const n = t.producer;
  if (!n || n.op !== 'Pad' || n.attrs.value !== 0) return null;
  const pads = n.attrs.pads as number[];
  const r = t.rank;
  const axes = t.shape.map((_, i) => i).filter(i => pads[i] !== 0 || pads[i + r] !== 0);
  if (axes.length !== 1) return null;
  const piece = n.inputs[0];
  return { axis: axes[0], begin: pads[axes[0]], end: pads[axes[0]] + piece.shape[axes[0]], piece };
}

/**
 * The sum of a tensor's gradient contributions. Slice and Concat-of-groups gradients arrive as
 * zero-padded pieces (sliceBackward: one Pad to the full shape per slice); pieces on disjoint spans
 * of one axis are joined by one Concat (zeros only in the gaps) instead of a chain of full-size Pads
 * and Adds: the official TPT step's scan window groups sliced u, δ, B and C per group, and summing
 * their padded gradients wrote and held a full block-size tensor per group. The values are the same
 * (each element is its piece's value plus zeros). Other contributions are added as before.
 */
export function sumGradients(list: readonly Tensor[]): Tensor {
  let rest = [...list];
  if (list.length > 1 && joinPaddedPieces) {
    const spans = list.map(paddedSpan);
    const byAxis = new Map<number, number[]>();
    spans.forEach((s, i) => s && byAxis.set(s.axis, [...(byAxis.get(s.axis) ?? []), i]));
    const [axis, members] = [...byAxis.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [-1, []];
    if (members.length > 1) {
      // Greedy disjoint cover in span order; overlapping pieces stay in `rest`.
      const picked: number[] = [];
      let at = 0;
      for (const i of [...members].sort((a, b) => (spans[a]?.begin ?? 0) - (spans[b]?.begin ?? 0))) {
        const s = spans[i];
        if (s && s.begin >= at) {
          picked.push(i);
          at = s.end;
        }
      }
      if (picked.length > 1) {
        const like = list[0];
        const gap = (len: number) => zeros(like, like.shape.map((d, k) => (k === axis ? len : d)));
        const parts: Tensor[] = [];
        let pos = 0;
        for (const i of picked) {
          const s = spans[i] as NonNullable<ReturnType<typeof paddedSpan>>;
          if (s.begin > pos) parts.push(gap(s.begin - pos));
          parts.push(s.piece);
          pos = s.end;
        }
        if (pos < like.shape[axis]) parts.push(gap(like.shape[axis] - pos));
        const joined = concat(parts, axis);
        const used = new Set(picked);
        rest = [joined, ...list.filter((_, i) => !used.has(i))];
      }
    }
  }
  let acc = rest[0];
  for (let i = 1; i < rest.length; i++) acc = add(acc, rest[i]);
  return acc;
}
