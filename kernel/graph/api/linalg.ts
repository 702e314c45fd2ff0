/**
 * Matrix products. `linear` follows PyTorch's nn.Linear layout (weight [out, in]), so checkpoints
 * load without transposing.
 *
 * @example
 *   const h = linear(x, w, b);   // x [N, in], w [out, in], b [out] -> [N, out]
 */
import { ShapeError } from '../../errors';
import { formatShape } from '../shapes';
import type { Tensor } from '../tensor';
import { reshape } from './shape';

/** Batched matrix product (both operands rank >= 2; batch axes broadcast). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return a.graph.emit('MatMul', [a, b])[0];
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/** ONNX Gemm on 2-D operands: alpha * op(A) op(B) + beta * C (C broadcasts to the result). */
export function gemm(a: Tensor, b: Tensor, c: Tensor | null, options: GemmOptions = {}): Tensor {
  const attrs = { transA: options.transA ? 1 : 0, transB: options.transB ? 1 : 0, alpha: options.alpha ?? 1, beta: options.beta ?? 1 };
  return a.graph.emit('Gemm', c ? [a, b, c] : [a, b], attrs)[0];
}

/** x · wᵀ + b with PyTorch's weight layout [out, in]; x may have any leading axes. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2 || x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new ShapeError(`linear: input ${x} does not fit weight ${weight.name}${formatShape(weight.shape)} (expected last axis ${weight.shape[1]})`);
  }
  // One Gemm over the flattened leading axes (bias fused; its backward is three 2-D products, not
  // per-batch products summed over the batch). Reshapes are free in onnxruntime.
  if (x.rank === 2) return gemm(x, weight, bias ?? null, { transB: true });
  const lead = x.shape.slice(0, -1);
  const y = gemm(reshape(x, [-1, weight.shape[1]]), weight, bias ?? null, { transB: true });
  return reshape(y, [...lead, weight.shape[0]]);
}
