/**
 * Element types of graph tensors. Four are enough for every model here: float32 (training and
 * inference), float64 (gradient checks), int64 (indices, labels, shapes) and bool (masks).
 */
import { ONNX_DTYPE } from './onnx-proto';

export type DType = 'float32' | 'float64' | 'int64' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool'];

/** The host array type that holds each dtype (bool as one byte per element, as ONNX stores it). */
export interface HostArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

export type HostArray = HostArrayOf[DType];

export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/** ONNX TensorProto.DataType code of a dtype. */
export function onnxDType(dtype: DType): number {
  return ONNX_DTYPE[dtype];
}

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  return dtype === 'float64' || dtype === 'int64' ? 8 : dtype === 'float32' ? 4 : 1;
}

/** The dtype a host array holds; Uint8Array is read as bool. */
export function dtypeOfArray(data: HostArray): DType {
  // By tag, not instanceof: an array made in another V8 context (a notebook's vm) is still one.
  const tag = Object.prototype.toString.call(data);
  if (tag === '[object Float32Array]') return 'float32';
  if (tag === '[object Float64Array]') return 'float64';
  if (tag === '[object BigInt64Array]') return 'int64';
  return 'bool';
}

/** A zero-filled host array of a dtype. */
export function allocHost(dtype: DType, length: number): HostArray {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float64': return new Float64Array(length);
    case 'int64': return new BigInt64Array(length);
    case 'bool': return new Uint8Array(length);
  }
}

/** A host array of a dtype filled from plain numbers (int64 values are truncated toward zero). */
export function hostFrom(dtype: DType, values: ArrayLike<number>): HostArray {
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'float64': return Float64Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, v => BigInt(Math.trunc(v))));
    case 'bool': return Uint8Array.from(values, v => (v ? 1 : 0));
  }
}
