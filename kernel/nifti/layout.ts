/**
 * The one converter between NIfTI's storage order (x fastest, "Fortran order") and the row-major
 * order of host tensors (last axis fastest, as in ONNX and PyTorch; design.md conventions).
 * The shape is the same in both orders: [X, Y, Z, T] stays [X, Y, Z, T].
 */
import { ShapeError } from '../errors';

type Numeric = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array;

function stridesFor(shape: readonly number[], firstFastest: boolean): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  if (firstFastest) {
    for (let i = 0; i < shape.length; i++) {
      strides[i] = s;
      s *= shape[i];
    }
  } else {
    for (let i = shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i];
    }
  }
  return strides;
}

function transpose<T extends Numeric>(input: T, shape: readonly number[], fromFirstFastest: boolean): T {
  const n = shape.reduce((a, b) => a * b, 1);
  if (input.length !== n)
    throw new ShapeError(`array of ${input.length} values does not fit shape [${shape.join(', ')}]`);
  const out = new (input.constructor as new (length: number) => T)(n);
  const src = stridesFor(shape, fromFirstFastest);
  // Output axes from slowest to fastest: row-major output has the last axis fastest.
  const order = fromFirstFastest ? [...shape.keys()] : [...shape.keys()].reverse();
  const fastest = order[order.length - 1];
  const idx = new Array<number>(shape.length).fill(0);
  const inner = shape[fastest];
  const innerStride = src[fastest];
  for (let o = 0; o < n; o += inner) {
    let base = 0;
    for (let k = 0; k < shape.length; k++) if (k !== fastest) base += idx[k] * src[k];
    for (let i = 0; i < inner; i++) out[o + i] = input[base + i * innerStride];
    // Advance the multi-index over the other axes, fastest-varying first.
    for (let p = order.length - 2; p >= 0; p--) {
      const axis = order[p];
      if (++idx[axis] < shape[axis]) break;
      idx[axis] = 0;
    }
  }
  return out;
}

/** NIfTI order (x fastest) to row-major (last axis fastest), same shape. */
export function toRowMajor<T extends Numeric>(data: T, shape: readonly number[]): T {
  return transpose(data, shape, true);
}

/** Row-major (last axis fastest) to NIfTI order (x fastest), same shape. */
export function fromRowMajor<T extends Numeric>(data: T, shape: readonly number[]): T {
  return transpose(data, shape, false);
}
