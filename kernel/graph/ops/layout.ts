/**
 * Layout ops. Their shape-like operands (target shape, slice bounds, pads, split sizes) are static
 * attributes in the IR and become int64 initializers when lowered to opset 17.
 */
import { DTypeError, ShapeError } from '../../errors';
import { reshape, slice, transpose } from '../api/shape';
import { concatBackward, gatherBackward, sliceBackward, splitBackward } from '../backward';
import { broadcastShapes, formatShape, numel } from '../shapes';
import { axisAttr, intList, requireDType, sameDType } from './infer';
import { defineOp } from './types';

export const LAYOUT_OPS = [
  defineOp({
    name: 'Reshape', onnx: 'Reshape', doc: 'same data, new static shape', arity: 1,
    infer: ([x], attrs) => {
      const shape = intList(attrs.shape, 'shape');
      if (shape.some(d => d < 0) || numel(shape) !== numel(x.shape)) {
        throw new ShapeError(`cannot reshape ${formatShape(x.shape)} (${numel(x.shape)} elements) to ${formatShape(shape)}`);
      }
      return [{ shape, dtype: x.dtype }];
    },
    lower: (n, ctx) => ctx.node('Reshape', [n.inputs[0], ctx.int64(n.attrs.shape as number[])], n.outputs),
    grad: ({ gy, inputs: [x] }) => [reshape(gy, x.shape)]
  }),
  defineOp({
    name: 'Transpose', onnx: 'Transpose', doc: 'permutes axes', arity: 1, onnxAttrs: { perm: 'ints' },
    infer: ([x], attrs) => {
      const perm = intList(attrs.perm, 'perm');
      if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((a, i) => a !== i)) {
        throw new ShapeError(`perm ${formatShape(perm)} is not a permutation of ${x.shape.length} axes`);
      }
      return [{ shape: perm.map(a => x.shape[a]), dtype: x.dtype }];
    },
    grad: ({ gy, attrs }) => {
      const perm = attrs.perm as number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return [transpose(gy, inverse)];
    }
  }),
  defineOp({
    name: 'Slice', onnx: 'Slice', doc: 'strided window along axes (normalised bounds)', arity: 1,
    infer: ([x], attrs) => {
      const [starts, ends, axes, steps] = ['starts', 'ends', 'axes', 'steps'].map(k => intList(attrs[k], k));
      const shape = [...x.shape];
      axes.forEach((axis, i) => {
        axisAttr(axis, x.shape.length, 'axes');
        const step = steps[i];
        const len = step > 0 ? Math.ceil((ends[i] - starts[i]) / step) : Math.ceil((starts[i] - ends[i]) / -step);
        shape[axis] = Math.max(0, len);
      });
      return [{ shape, dtype: x.dtype }];
    },
    lower: (n, ctx) => {
      const steps = n.attrs.steps as number[];
      const axes = n.attrs.axes as number[];
      // For negative steps, an end of -1 means "before index 0"; ONNX reads -1 as n-1, so write -(n+1).
      const ends = (n.attrs.ends as number[]).map((e, i) => (steps[i] < 0 && e < 0 ? e - n.inputTypes[0].shape[axes[i]] : e));
      ctx.node('Slice', [n.inputs[0], ctx.int64(n.attrs.starts as number[]), ctx.int64(ends), ctx.int64(axes), ctx.int64(steps)], n.outputs);
    },
    grad: ({ gy, inputs: [x], attrs, node }) =>
      [sliceBackward(gy, x, attrs.starts as number[], attrs.axes as number[], attrs.steps as number[], node.name)]
  }),
  defineOp({
    name: 'Concat', onnx: 'Concat', doc: 'joins tensors along an axis', arity: [1, 4096], onnxAttrs: { axis: 'int' },
    infer: (xs, attrs) => {
      const dtype = sameDType(xs);
      const axis = axisAttr(attrs.axis, xs[0].shape.length);
      const shape = [...xs[0].shape];
      shape[axis] = 0;
      for (const x of xs) {
        if (x.shape.length !== shape.length || x.shape.some((d, i) => i !== axis && d !== xs[0].shape[i])) {
          throw new ShapeError(`shapes ${xs.map(t => formatShape(t.shape)).join(', ')} differ off axis ${axis}`);
        }
        shape[axis] += x.shape[axis];
      }
      return [{ shape, dtype }];
    },
    grad: ({ gy, inputs, attrs }) => concatBackward(gy, inputs, attrs.axis as number)
  }),
  defineOp({
    name: 'Split', onnx: 'Split', doc: 'cuts a tensor into pieces along an axis', arity: 1,
    infer: ([x], attrs) => {
      const axis = axisAttr(attrs.axis, x.shape.length);
      const sizes = intList(attrs.split, 'split');
      if (sizes.some(s => s < 0) || sizes.reduce((a, b) => a + b, 0) !== x.shape[axis]) {
        throw new ShapeError(`split sizes ${formatShape(sizes)} do not add up to axis ${axis} length ${x.shape[axis]}`);
      }
      return sizes.map(s => ({ shape: x.shape.map((d, i) => (i === axis ? s : d)), dtype: x.dtype }));
    },
    lower: (n, ctx) => ctx.node('Split', [n.inputs[0], ctx.int64(n.attrs.split as number[])], n.outputs, { axis: n.attrs.axis as number }, { axis: 'int' }),
    grad: ({ gys, outputs, attrs }) => [splitBackward(gys, outputs, attrs.axis as number)]
  }),
  defineOp({
    name: 'Gather', onnx: 'Gather', doc: 'takes slices at int64 indices along an axis', arity: 2, onnxAttrs: { axis: 'int' },
    infer: ([x, idx], attrs) => {
      requireDType(idx, ['int64'], 'indices');
      const axis = axisAttr(attrs.axis, x.shape.length);
      return [{ shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype }];
    },
    grad: ({ gy, inputs: [x, idx], attrs }) => [gatherBackward(gy, x, idx, attrs.axis as number), null]
  }),
  defineOp({
    name: 'ScatterND', onnx: 'ScatterND', doc: 'writes (or adds, reduction "add") updates at index tuples; used by Gather backward', arity: 3,
    onnxAttrs: { reduction: 'string' },
    infer: ([data, idx, upd]) => {
      requireDType(idx, ['int64'], 'indices');
      if (upd.dtype !== data.dtype) throw new DTypeError(`updates dtype ${upd.dtype} differs from data dtype ${data.dtype}`);
      const k = idx.shape[idx.shape.length - 1];
      const want = [...idx.shape.slice(0, -1), ...data.shape.slice(k)];
      if (k > data.shape.length || want.length !== upd.shape.length || want.some((d, i) => d !== upd.shape[i])) {
        throw new ShapeError(`updates ${formatShape(upd.shape)} should be ${formatShape(want)} for data ${formatShape(data.shape)} and indices ${formatShape(idx.shape)}`);
      }
      return [{ shape: data.shape, dtype: data.dtype }];
    },
    grad: 'notImplemented'
  }),
  defineOp({
    name: 'Pad', onnx: 'Pad', doc: 'constant padding ([begins..., ends...])', arity: 1,
    infer: ([x], attrs) => {
      const pads = intList(attrs.pads, 'pads');
      const r = x.shape.length;
      if (pads.length !== 2 * r || pads.some(p => p < 0)) throw new ShapeError(`pads ${formatShape(pads)} must be ${2 * r} non-negative integers`);
      if (typeof attrs.value !== 'number') throw new ShapeError('attribute value must be a number');
      return [{ shape: x.shape.map((d, i) => d + pads[i] + pads[i + r]), dtype: x.dtype }];
    },
    lower: (n, ctx) =>
      ctx.node('Pad', [n.inputs[0], ctx.int64(n.attrs.pads as number[]), ctx.scalar(n.attrs.value as number, n.inputTypes[0].dtype)], n.outputs, { mode: 'constant' }, { mode: 'string' }),
    grad: ({ gy, inputs: [x], attrs }) => {
      const pads = attrs.pads as number[];
      const axes = x.shape.map((_, i) => i);
      return [slice(gy, { starts: axes.map(i => pads[i]), ends: axes.map(i => pads[i] + x.shape[i]), axes })];
    }
  }),
  defineOp({
    name: 'Expand', onnx: 'Expand', doc: 'broadcast to a shape', arity: 1,
    infer: ([x], attrs) => [{ shape: broadcastShapes([x.shape, intList(attrs.shape, 'shape')]), dtype: x.dtype }],
    lower: (n, ctx) => ctx.node('Expand', [n.inputs[0], ctx.int64(n.attrs.shape as number[])], n.outputs),
    // The engine's sumToShape reduces the broadcast axes.
    grad: ({ gy }) => [gy]
  })
] as const;

