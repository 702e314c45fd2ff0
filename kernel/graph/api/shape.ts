/**
 * Layout ops: reshape, transpose, slice, concat, split, gather, pad, expand, and composites built
 * from them (unsqueeze, squeeze, flatten, roll). Shapes are static, so -1/0 in reshape targets and
 * negative slice bounds are resolved here, at build time.
 *
 * @example
 *   const w = transpose(reshape(x, [b, 4, 4, c]), [0, 2, 1, 3]);
 */
import { ShapeError } from '../../errors';
import { formatShape, normalizeAxis, numel } from '../shapes';
import type { Tensor } from '../tensor';

/** Reshape; one dimension may be -1 (inferred) and 0 copies the input's dimension, as ONNX. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const out = shape.map((d, i) => (d === 0 ? x.shape[i] : d));
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = numel(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`Reshape: cannot reshape ${x}${formatShape(x.shape)} to ${formatShape(shape)}`);
    }
    out[unknown] = x.size / known;
  }
  if (out.every((d, i) => d === x.shape[i]) && out.length === x.rank) return x;
  // reshape(reshape(x0)) is one reshape of x0 (the inner node is dropped if nothing else uses it).
  const src = x.producer?.op === 'Reshape' ? x.producer.inputs[0] : x;
  if (src !== x && out.length === src.rank && out.every((d, i) => d === src.shape[i])) return src;
  return x.graph.emit('Reshape', [src], { shape: out })[0];
}

/** Transpose; `perm` defaults to reversing the axes. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map(a => normalizeAxis(a, x.rank, 'Transpose')) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.every((a, i) => a === i)) return x;
  // transpose(transpose(x0, p1), p2) is transpose(x0, p1∘p2): backward rules stack transposes often.
  if (x.producer?.op === 'Transpose' && p.length === x.rank) {
    const inner = x.producer.attrs.perm as readonly number[];
    const composed = p.map(i => inner[i]);
    const src = x.producer.inputs[0];
    return composed.every((a, i) => a === i) ? src : x.graph.emit('Transpose', [src], { perm: composed })[0];
  }
  return x.graph.emit('Transpose', [x], { perm: p })[0];
}

export interface SliceSpec {
  starts: readonly number[];
  ends: readonly number[];
  /** Default: 0..starts.length-1. */
  axes?: readonly number[];
  /** Default: all 1. Negative steps walk backwards (no gradient). */
  steps?: readonly number[];
}

/** ONNX Slice with Python-style bounds (negative counts from the end; out-of-range clamps). */
export function slice(x: Tensor, spec: SliceSpec): Tensor {
  const axes = (spec.axes ?? spec.starts.map((_, i) => i)).map(a => normalizeAxis(a, x.rank, 'Slice'));
  const steps = spec.steps ?? axes.map(() => 1);
  if (spec.ends.length !== axes.length || spec.starts.length !== axes.length || steps.length !== axes.length) {
    throw new ShapeError(`Slice on ${x}: starts/ends/axes/steps lengths differ (${spec.starts.length}/${spec.ends.length}/${axes.length}/${steps.length})`);
  }
  const starts: number[] = [];
  const ends: number[] = [];
  axes.forEach((axis, i) => {
    const n = x.shape[axis];
    const step = steps[i];
    if (!Number.isInteger(step) || step === 0) throw new ShapeError(`Slice on ${x}: step ${step} must be a non-zero integer`);
    const clampBound = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
    if (step > 0) {
      starts.push(clampBound(spec.starts[i], 0, n));
      ends.push(clampBound(spec.ends[i], 0, n));
    } else {
      starts.push(clampBound(spec.starts[i], -1, n - 1));
      ends.push(clampBound(spec.ends[i], -1, n - 1));
    }
  });
  return x.graph.emit('Slice', [x], { starts, ends, axes, steps: [...steps] })[0];
}

/** x[start:end:step] along one axis. */
export function sliceAxis(x: Tensor, axis: number, start: number, end: number, step = 1): Tensor {
  return slice(x, { starts: [start], ends: [end], axes: [axis], steps: [step] });
}

/** Concatenates along an axis. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new ShapeError('Concat: no inputs');
  if (xs.length === 1) return xs[0];
  return xs[0].graph.emit('Concat', xs, { axis: normalizeAxis(axis, xs[0].rank, 'Concat') })[0];
}

/** Splits along an axis into pieces of the given sizes, or into `parts` equal pieces. */
export function split(x: Tensor, sizesOrParts: readonly number[] | number, axis: number): Tensor[] {
  const ax = normalizeAxis(axis, x.rank, 'Split');
  let sizes: number[];
  if (typeof sizesOrParts === 'number') {
    if (x.shape[ax] % sizesOrParts !== 0) throw new ShapeError(`Split on ${x}: axis ${ax} of length ${x.shape[ax]} does not split into ${sizesOrParts} equal parts`);
    sizes = new Array<number>(sizesOrParts).fill(x.shape[ax] / sizesOrParts);
  } else sizes = [...sizesOrParts];
  return x.graph.emit('Split', [x], { axis: ax, split: sizes });
}

/** Gathers slices of `x` along `axis` at int64 `indices` (output shape x[:axis] + indices + x[axis+1:]). */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  return x.graph.emit('Gather', [x, indices], { axis: normalizeAxis(axis, x.rank, 'Gather') })[0];
}

/** Constant padding; `pads` = [[before, after], ...] per axis, or ONNX order [b0..bn, e0..en]. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[] | readonly number[], value = 0): Tensor {
  const flat = typeof pads[0] === 'number'
    ? [...(pads as readonly number[])]
    : [...(pads as readonly (readonly [number, number])[]).map(p => p[0]), ...(pads as readonly (readonly [number, number])[]).map(p => p[1])];
  if (flat.every(p => p === 0) && flat.length === 2 * x.rank) return x;
  return x.graph.emit('Pad', [x], { pads: flat, value })[0];
}

/** Broadcasts x to `shape` (NumPy rules; the result shape is the broadcast of both). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return x.graph.emit('Expand', [x], { shape: [...shape] })[0];
}

/** Inserts a size-1 axis at `axis` (of the result). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.rank + 1, 'Unsqueeze');
  const shape = [...x.shape];
  shape.splice(ax, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 axes (all of them, or the listed ones). */
export function squeeze(x: Tensor, axes?: readonly number[]): Tensor {
  const drop = new Set((axes ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : []))).map(a => normalizeAxis(a, x.rank, 'Squeeze')));
  for (const a of drop) if (x.shape[a] !== 1) throw new ShapeError(`Squeeze on ${x}: axis ${a} has length ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !drop.has(i)));
}

/** Flattens axes [axis, rank) into one (axis 1 by default: [B, ...] -> [B, N]). */
export function flatten(x: Tensor, axis = 1): Tensor {
  const ax = normalizeAxis(axis, x.rank + 1, 'Flatten');
  return reshape(x, [...x.shape.slice(0, ax), numel(x.shape.slice(ax))]);
}

/** torch.roll along one axis: out[i] = x[(i - shift) mod n]. Slice + Concat, so it has a gradient. */
export function roll(x: Tensor, shift: number, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.rank, 'Roll');
  const n = x.shape[ax];
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  return concat([sliceAxis(x, ax, n - s, n), sliceAxis(x, ax, 0, n - s)], ax);
}
