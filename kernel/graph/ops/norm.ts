/**
 * Normalisation: ONNX LayerNormalization (opset 17), fused forward with a named backward helper.
 * The IR node has ONNX's three outputs (Y, Mean, InvStdDev; statistics shaped like x with the
 * normalised axes kept as 1) so the backward reuses the forward's statistics instead of recomputing
 * them (six fewer passes over the activation per LayerNorm). Only Y is differentiable; the builder
 * returns Y alone.
 */
import { ShapeError } from '../../errors';
import { layerNormBackward } from '../backward';
import { formatShape } from '../shapes';
import { axisAttr, requireFloat, sameDType } from './infer';
import { defineOp, type LowerContext, type LowerNode } from './types';

/**
 * ONNX types Mean/InvStdDev as float (or bfloat16) only, so float64 graphs get Y from the kernel
 * and the statistics from primitives: mean = E[x], invstd = 1/√(E[(x−mean)²] + eps).
 */
function lowerLayerNorm(n: LowerNode, ctx: LowerContext): void {
  const dtype = n.inputTypes[0].dtype;
  const attrs = { axis: n.attrs.axis as number, epsilon: n.attrs.epsilon as number };
  const kinds = { axis: 'int', epsilon: 'float' } as const;
  if (dtype === 'float32') {
    ctx.node('LayerNormalization', n.inputs, n.outputs, attrs, kinds);
    return;
  }
  ctx.node('LayerNormalization', n.inputs, [n.outputs[0]], attrs, kinds);
  const rank = n.inputTypes[0].shape.length;
  const axes = Array.from({ length: rank - attrs.axis }, (_, i) => attrs.axis + i);
  const x = n.inputs[0];
  const tmp = () => ctx.fresh('layernorm_');
  ctx.node('ReduceMean', [x], [n.outputs[1]], { axes, keepdims: 1 }, { axes: 'ints', keepdims: 'int' });
  const centred = tmp();
  ctx.node('Sub', [x, n.outputs[1]], [centred]);
  const squared = tmp();
  ctx.node('Mul', [centred, centred], [squared]);
  const variance = tmp();
  ctx.node('ReduceMean', [squared], [variance], { axes, keepdims: 1 }, { axes: 'ints', keepdims: 'int' });
  const shifted = tmp();
  ctx.node('Add', [variance, ctx.scalar(attrs.epsilon, dtype)], [shifted]);
  const std = tmp();
  ctx.node('Sqrt', [shifted], [std]);
  ctx.node('Div', [ctx.scalar(1, dtype), std], [n.outputs[2]]);
}

export const NORM_OPS = [
  defineOp({
    name: 'LayerNormalization', onnx: 'LayerNormalization', doc: '(x - mean) / sqrt(var + eps) * scale + bias over axes [axis, rank)', arity: 3,
    infer: ([x, scale, bias], attrs) => {
      const dtype = sameDType([x, scale, bias]);
      requireFloat(x, 'the input');
      const axis = axisAttr(attrs.axis, x.shape.length);
      const normShape = x.shape.slice(axis);
      for (const [t, what] of [[scale, 'scale'], [bias, 'bias']] as const) {
        if (t.shape.length !== normShape.length || t.shape.some((d, i) => d !== normShape[i])) {
          throw new ShapeError(`${what} ${formatShape(t.shape)} must be ${formatShape(normShape)} (the normalised axes)`);
        }
      }
      const stats = { shape: x.shape.map((d, i) => (i < axis ? d : 1)), dtype };
      return [{ shape: x.shape, dtype }, stats, stats];
    },
    lower: lowerLayerNorm,
    grad: ({ gy, inputs: [x, scale], outputs: [, mean, invStd], attrs }) => layerNormBackward(gy, x, scale, mean, invStd, attrs.axis as number)
  })
] as const;
