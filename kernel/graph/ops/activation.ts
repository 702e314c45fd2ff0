/**
 * Fused activations: one IR op, lowered to the exact pattern onnxruntime's GeluFusion recognises
 * (so float32 forward runs as one kernel), with a named backward built from primitives that reads
 * only the input (so nothing stops the fusion).
 */
import { geluBackward } from '../backward';
import { lowerErfFloat64 } from './float64-lowerings';
import { unaryFloat } from './infer';
import { defineOp, type LowerContext, type LowerNode } from './types';

/** x · ½ · (1 + erf(x / √2)) as Div → Erf → Add → Mul → Mul (onnxruntime GeluFusion pattern). */
function lowerGelu(n: LowerNode, ctx: LowerContext): void {
  const dtype = n.inputTypes[0].dtype;
  const x = n.inputs[0];
  const scaled = ctx.fresh('gelu_');
  ctx.node('Div', [x, ctx.scalar(Math.SQRT2, dtype)], [scaled]);
  const erf = ctx.fresh('gelu_');
  if (dtype === 'float64') lowerErfFloat64({ ...n, inputs: [scaled], outputs: [erf] }, ctx);
  else ctx.node('Erf', [scaled], [erf]);
  const onePlus = ctx.fresh('gelu_');
  ctx.node('Add', [erf, ctx.scalar(1, dtype)], [onePlus]);
  const times = ctx.fresh('gelu_');
  ctx.node('Mul', [x, onePlus], [times]);
  ctx.node('Mul', [times, ctx.scalar(0.5, dtype)], n.outputs);
}

export const ACTIVATION_OPS = [
  defineOp({
    name: 'Gelu', onnx: 'Gelu', doc: 'exact GELU x·Φ(x) (PyTorch nn.GELU default; spec §1)', arity: 1,
    infer: unaryFloat, lower: lowerGelu,
    grad: ({ gy, inputs: [x] }) => [geluBackward(gy, x)]
  })
] as const;
