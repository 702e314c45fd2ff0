/**
 * Host tensors: a typed array plus a row-major shape (design.md: last axis fastest). The dtype is
 * the array's type: Float32Array, Float64Array, BigInt64Array (int64) or Uint8Array (bool).
 */
import { DTypeError, ShapeError } from '../errors';
import { DType, HostArray, allocHost, dtypeOfArray, hostFrom } from '../graph/dtype';
import { formatShape, numel } from '../graph/shapes';

export interface HostTensor {
  data: HostArray;
  shape: number[];
}

/** A host tensor from data and shape, checked to fit. */
export function hostTensor(data: HostArray, shape: readonly number[]): HostTensor {
  if (data.length !== numel(shape)) throw new ShapeError(`host tensor: ${data.length} values do not fill shape ${formatShape(shape)}`);
  return { data, shape: [...shape] };
}

/** A zero-filled host tensor. */
export function zerosHost(shape: readonly number[], dtype: DType = 'float32'): HostTensor {
  return { data: allocHost(dtype, numel(shape)), shape: [...shape] };
}

/** A host tensor from plain numbers. */
export function fromNumbers(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32'): HostTensor {
  return hostTensor(hostFrom(dtype, values), shape);
}

/** A host scalar (shape []). */
export function scalarHost(value: number, dtype: DType = 'float32'): HostTensor {
  return fromNumbers([value], [], dtype);
}

export function hostDType(t: HostTensor): DType {
  return dtypeOfArray(t.data);
}

/** Checks a host tensor against an expected dtype and shape; the error names `what`. */
export function checkHost(t: HostTensor, dtype: DType, shape: readonly number[], what: string): void {
  if (!t || !ArrayBuffer.isView(t.data)) throw new ShapeError(`${what}: expected a {data, shape} host tensor`);
  const got = hostDType(t);
  if (got !== dtype) throw new DTypeError(`${what}: expected ${dtype}, got ${got}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new ShapeError(`${what}: expected shape ${formatShape(shape)}, got ${formatShape(t.shape)}`);
  }
  if (t.data.length !== numel(shape)) throw new ShapeError(`${what}: ${t.data.length} values do not fill shape ${formatShape(shape)}`);
}

/** A deep copy. */
export function cloneHost(t: HostTensor): HostTensor {
  return { data: t.data.slice() as HostArray, shape: [...t.shape] };
}
