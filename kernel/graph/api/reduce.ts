/**
 * Reductions, cumulative sums and (log-)softmax. `axes` defaults to all axes; negative axes count
 * from the end. One style for all reductions: axes are static and lowered as opset-18 int64 inputs.
 *
 * @example
 *   const m = mean(x, [-1], true);   // [N, D] -> [N, 1]
 */
import { normalizeAxis } from '../shapes';
import type { Tensor } from '../tensor';

function normAxes(x: Tensor, axes: readonly number[] | undefined, op: string): number[] {
  const list = axes ?? x.shape.map((_, i) => i);
  return [...new Set(list.map(a => normalizeAxis(a, x.rank, op)))].sort((a, b) => a - b);
}

function reduce(op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax', x: Tensor, axes: readonly number[] | undefined, keepdims: boolean): Tensor {
  const ax = normAxes(x, axes, op);
  if (ax.length === 0) return x;
  return x.graph.emit(op, [x], { axes: ax, keepdims: keepdims ? 1 : 0 })[0];
}

/** Sum over axes (all by default). */
export function sum(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return reduce('ReduceSum', x, axes, keepdims);
}

/** Mean over axes (all by default). */
export function mean(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return reduce('ReduceMean', x, axes, keepdims);
}

/** Max over axes (all by default); ties share the gradient equally (as torch.amax). */
export function max(x: Tensor, axes?: readonly number[], keepdims = false): Tensor {
  return reduce('ReduceMax', x, axes, keepdims);
}

export interface CumSumOptions {
  /** y[i] = sum over j < i instead of j <= i. */
  exclusive?: boolean;
  /** Accumulate from the end. */
  reverse?: boolean;
}

/** Cumulative sum along an axis (ONNX CumSum; the selective scan's workhorse). */
export function cumsum(x: Tensor, axis: number, options: CumSumOptions = {}): Tensor {
  return x.graph.emit('CumSum', [x], {
    axis: normalizeAxis(axis, x.rank, 'CumSum'),
    exclusive: options.exclusive ? 1 : 0,
    reverse: options.reverse ? 1 : 0
  })[0];
}

/** Softmax along one axis (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return x.graph.emit('Softmax', [x], { axis: normalizeAxis(axis, x.rank, 'Softmax') })[0];
}

/** Log-softmax along one axis (default last). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return x.graph.emit('LogSoftmax', [x], { axis: normalizeAxis(axis, x.rank, 'LogSoftmax') })[0];
}
