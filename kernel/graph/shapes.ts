/**
 * Static shapes: the one broadcasting rule (NumPy/ONNX multidirectional), axis normalisation and
 * formatting. Forward shape inference and the backward reduction (autodiff sumToShape) both use
 * broadcastShapes, so the two can never disagree (style.md, point 5).
 */
import { ShapeError } from '../errors';

export type Shape = readonly number[];

/** Number of elements of a shape ([] is a scalar: 1). */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Broadcast shapes right-aligned; a dimension of 1 stretches. Throws ShapeError naming `what`. */
export function broadcastShapes(shapes: readonly Shape[], what = 'broadcast'): number[] {
  const rank = Math.max(0, ...shapes.map(s => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) out[j] = d;
      else throw new ShapeError(`${what}: shapes ${shapes.map(formatShape).join(' and ')} do not broadcast (axis ${j - rank}: ${out[j]} vs ${d})`);
    }
  }
  return out;
}

/** Normalises a possibly negative axis against a rank; throws ShapeError naming `what`. */
export function normalizeAxis(axis: number, rank: number, what: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ShapeError(`${what}: axis ${axis} is out of range for rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Validates a shape declared by a caller (non-negative integers). */
export function checkShape(shape: Shape, what: string): number[] {
  if (!Array.isArray(shape) || !shape.every(d => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${what}: invalid shape ${JSON.stringify(shape)} (expected non-negative integers)`);
  }
  return [...shape];
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
