/** Matrix products: MatMul (batched, broadcasting batch axes) and Gemm (2-D, with transposes). */
import { ShapeError } from '../../errors';
import { gemmBackward, matmulBackward } from '../backward';
import { broadcastShapes, formatShape } from '../shapes';
import { requireFloat, sameDType } from './infer';
import { defineOp } from './types';

export const LINALG_OPS = [
  defineOp({
    name: 'MatMul', onnx: 'MatMul', doc: 'batched matrix product (rank >= 2)', arity: 2,
    infer: ([a, b]) => {
      const dtype = sameDType([a, b]);
      requireFloat(a, 'the operands');
      if (a.shape.length < 2 || b.shape.length < 2) throw new ShapeError('both operands need rank >= 2 (reshape vectors to [1, n] or [n, 1])');
      const [m, k] = a.shape.slice(-2);
      const [k2, n] = b.shape.slice(-2);
      if (k !== k2) throw new ShapeError(`inner dimensions differ: ${formatShape(a.shape)} x ${formatShape(b.shape)} (${k} vs ${k2})`);
      const batch = broadcastShapes([a.shape.slice(0, -2), b.shape.slice(0, -2)]);
      return [{ shape: [...batch, m, n], dtype }];
    },
    grad: ({ gy, inputs: [a, b] }) => matmulBackward(gy, a, b)
  }),
  defineOp({
    name: 'Gemm', onnx: 'Gemm', doc: 'alpha * op(A) op(B) + beta * C on 2-D operands', arity: [2, 3],
    onnxAttrs: { transA: 'int', transB: 'int', alpha: 'float', beta: 'float' },
    infer: ([a, b, c], attrs) => {
      const dtype = sameDType(c ? [a, b, c] : [a, b]);
      requireFloat(a, 'the operands');
      if (a.shape.length !== 2 || b.shape.length !== 2) throw new ShapeError('A and B must be 2-D');
      const [m, k] = attrs.transA ? [a.shape[1], a.shape[0]] : a.shape;
      const [k2, n] = attrs.transB ? [b.shape[1], b.shape[0]] : b.shape;
      if (k !== k2) throw new ShapeError(`inner dimensions differ (${k} vs ${k2})`);
      if (c) {
        const out = broadcastShapes([[m, n], c.shape]);
        if (out[0] !== m || out[1] !== n) throw new ShapeError(`C ${formatShape(c.shape)} does not broadcast to [${m},${n}]`);
      }
      return [{ shape: [m, n], dtype }];
    },
    grad: ({ gy, inputs, attrs }) =>
      gemmBackward(gy, inputs[0], inputs[1], Boolean(attrs.transA), Boolean(attrs.transB), Number(attrs.alpha ?? 1), Number(attrs.beta ?? 1))
        .slice(0, inputs.length)
  })
] as const;
