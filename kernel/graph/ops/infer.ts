/** Shared pieces of shape/dtype rules (style.md, point 5: one broadcastShapes for all of them). */
import { DTypeError, ShapeError } from '../../errors';
import { DType, isFloat } from '../dtype';
import { broadcastShapes, formatShape } from '../shapes';
import type { TensorType } from './types';

export function requireFloat(t: TensorType, what: string): void {
  if (!isFloat(t.dtype)) throw new DTypeError(`${what} must be float32 or float64, got ${t.dtype}`);
}

export function requireDType(t: TensorType, dtypes: readonly DType[], what: string): void {
  if (!dtypes.includes(t.dtype)) throw new DTypeError(`${what} must be ${dtypes.join(' or ')}, got ${t.dtype}`);
}

export function sameDType(ts: readonly TensorType[]): DType {
  const d = ts[0].dtype;
  for (const t of ts) if (t.dtype !== d) throw new DTypeError(`operand dtypes differ (${ts.map(x => x.dtype).join(' vs ')}); cast one of them`);
  return d;
}

/** Unary float op: output has the input's type. */
export function unaryFloat(inputs: readonly TensorType[]): TensorType[] {
  requireFloat(inputs[0], 'the input');
  return [{ shape: inputs[0].shape, dtype: inputs[0].dtype }];
}

/** Broadcasting binary op on numbers (float or int64): output has the common dtype. */
export function binaryNumeric(inputs: readonly TensorType[]): TensorType[] {
  const dtype = sameDType(inputs);
  if (dtype === 'bool') throw new DTypeError('arithmetic on bool tensors; cast them first');
  return [{ shape: broadcastShapes(inputs.map(t => t.shape)), dtype }];
}

/** Broadcasting float-only binary op. */
export function binaryFloat(inputs: readonly TensorType[]): TensorType[] {
  const dtype = sameDType(inputs);
  requireFloat(inputs[0], 'the operands');
  return [{ shape: broadcastShapes(inputs.map(t => t.shape)), dtype }];
}

/** Comparison: same dtypes, bool output. */
export function comparison(inputs: readonly TensorType[]): TensorType[] {
  sameDType(inputs);
  return [{ shape: broadcastShapes(inputs.map(t => t.shape)), dtype: 'bool' }];
}

/** Logical op on bool tensors. */
export function logical(inputs: readonly TensorType[]): TensorType[] {
  for (const t of inputs) requireDType(t, ['bool'], 'logical operands');
  return [{ shape: broadcastShapes(inputs.map(t => t.shape)), dtype: 'bool' }];
}

export function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every(x => Number.isInteger(x))) throw new ShapeError(`attribute ${what} must be a list of integers, got ${JSON.stringify(v)}`);
  return v as number[];
}

export function intAttr(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ShapeError(`attribute ${what} must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

export function axisAttr(v: unknown, rank: number, what = 'axis'): number {
  const a = intAttr(v, what);
  if (a < 0 || a >= rank) throw new ShapeError(`attribute ${what}=${a} is out of range for rank ${rank}`);
  return a;
}

export function axesAttr(v: unknown, rank: number): number[] {
  const axes = intList(v, 'axes');
  for (const a of axes) if (a < 0 || a >= rank) throw new ShapeError(`axis ${a} is out of range for rank ${rank}`);
  if (new Set(axes).size !== axes.length) throw new ShapeError(`axes ${formatShape(axes)} repeat an axis`);
  return axes;
}
