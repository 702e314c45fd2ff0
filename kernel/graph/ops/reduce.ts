/**
 * Reductions (static `axes` in the IR; lowered to opset 17's two spellings), CumSum, Softmax and
 * LogSoftmax.
 */
import { cumsum } from '../api/reduce';
import { logSoftmaxBackward, reduceBackward, reduceMaxBackward, softmaxBackward } from '../backward';
import { DTypeError } from '../../errors';
import { axesAttr, axisAttr, requireFloat } from './infer';
import { defineOp, type Attrs, type LowerContext, type LowerNode, type TensorType } from './types';

function reduceInfer([x]: readonly TensorType[], attrs: Attrs): TensorType[] {
  if (x.dtype === 'bool') throw new DTypeError('cannot reduce a bool tensor; cast it first');
  const axes = axesAttr(attrs.axes, x.shape.length);
  const shape = attrs.keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  return [{ shape, dtype: x.dtype }];
}

/** Opset 17: ReduceSum takes axes as an int64 input (since 13); ReduceMean/ReduceMax as an attribute (until 18). */
const lowerReduce = (type: string) => (n: LowerNode, ctx: LowerContext) =>
  type === 'ReduceSum'
    ? ctx.node(type, [n.inputs[0], ctx.int64(n.attrs.axes as number[])], n.outputs, { keepdims: n.attrs.keepdims ? 1 : 0 }, { keepdims: 'int' })
    : ctx.node(type, [n.inputs[0]], n.outputs, { axes: n.attrs.axes as number[], keepdims: n.attrs.keepdims ? 1 : 0 }, { axes: 'ints', keepdims: 'int' });

export const REDUCE_OPS = [
  defineOp({
    name: 'ReduceSum', onnx: 'ReduceSum', doc: 'sum over axes', arity: 1, infer: reduceInfer, lower: lowerReduce('ReduceSum'),
    grad: ({ gy, inputs: [x], attrs }) => [reduceBackward(gy, x, attrs.axes as number[], Boolean(attrs.keepdims), false)]
  }),
  defineOp({
    name: 'ReduceMean', onnx: 'ReduceMean', doc: 'mean over axes', arity: 1, infer: reduceInfer, lower: lowerReduce('ReduceMean'),
    grad: ({ gy, inputs: [x], attrs }) => [reduceBackward(gy, x, attrs.axes as number[], Boolean(attrs.keepdims), true)]
  }),
  defineOp({
    name: 'ReduceMax', onnx: 'ReduceMax', doc: 'max over axes', arity: 1, infer: reduceInfer, lower: lowerReduce('ReduceMax'),
    grad: ({ gy, inputs: [x], outputs: [y], attrs }) => [reduceMaxBackward(gy, x, y, attrs.axes as number[], Boolean(attrs.keepdims))]
  }),
  defineOp({
    name: 'CumSum', onnx: 'CumSum', doc: 'cumulative sum along an axis (exclusive/reverse flags)', arity: 1,
    infer: ([x], attrs) => {
      if (x.dtype === 'bool') throw new DTypeError('cannot cumsum a bool tensor; cast it first');
      axisAttr(attrs.axis, x.shape.length);
      return [{ shape: x.shape, dtype: x.dtype }];
    },
    lower: (n, ctx) =>
      ctx.node('CumSum', [n.inputs[0], ctx.int64([n.attrs.axis as number], true)], n.outputs,
        { exclusive: n.attrs.exclusive ? 1 : 0, reverse: n.attrs.reverse ? 1 : 0 }, { exclusive: 'int', reverse: 'int' }),
    // d/dx of an inclusive (exclusive) scan is the same scan run the other way.
    grad: ({ gy, attrs }) => [cumsum(gy, attrs.axis as number, { exclusive: Boolean(attrs.exclusive), reverse: !attrs.reverse })]
  }),
  defineOp({
    name: 'Softmax', onnx: 'Softmax', doc: 'softmax along one axis', arity: 1, onnxAttrs: { axis: 'int' },
    infer: ([x], attrs) => {
      requireFloat(x, 'the input');
      axisAttr(attrs.axis, x.shape.length);
      return [{ shape: x.shape, dtype: x.dtype }];
    },
    grad: ({ gy, outputs: [y], attrs }) => [softmaxBackward(gy, y, attrs.axis as number)]
  }),
  defineOp({
    name: 'LogSoftmax', onnx: 'LogSoftmax', doc: 'log-softmax along one axis', arity: 1, onnxAttrs: { axis: 'int' },
    infer: ([x], attrs) => {
      requireFloat(x, 'the input');
      axisAttr(attrs.axis, x.shape.length);
      return [{ shape: x.shape, dtype: x.dtype }];
    },
    grad: ({ gy, outputs: [y], attrs }) => [logSoftmaxBackward(gy, y, attrs.axis as number)]
  })
] as const;
