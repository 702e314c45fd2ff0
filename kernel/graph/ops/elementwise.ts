/**
 * Elementwise ops: arithmetic, activations, comparisons, logic, Where, Cast, Identity. Every rule is a
 * one-liner in terms of the op's inputs (`a`, `b`), output `y` and output gradient `gy`.
 */
import { DTypeError } from '../../errors';
import { cast, div, exp, greater, greaterOrEqual, lessOrEqual, log, mul, neg, pow, sigmoid, sign, sub, where } from '../api/math';
import { extremumBackward } from '../backward';
import { lowerErfFloat64, lowerSoftplusFloat64 } from './float64-lowerings';
import { lowerSoftplusFloat32 } from './softplus-lowering';
import { DTYPES, isFloat, onnxDType, type DType } from '../dtype';
import { broadcastShapes } from '../shapes';
import { binaryFloat, binaryNumeric, comparison, logical, requireDType, unaryFloat } from './infer';
import { defineOp } from './types';

const SQRT_PI_HALF_INV = 2 / Math.sqrt(Math.PI);

export const ELEMENTWISE_OPS = [
  defineOp({ name: 'Add', onnx: 'Add', doc: 'a + b', arity: 2, infer: binaryNumeric, grad: ({ gy }) => [gy, gy] }),
  defineOp({ name: 'Sub', onnx: 'Sub', doc: 'a - b', arity: 2, infer: binaryNumeric, grad: ({ gy }) => [gy, neg(gy)] }),
  defineOp({ name: 'Mul', onnx: 'Mul', doc: 'a * b', arity: 2, infer: binaryNumeric, grad: ({ gy, inputs: [a, b] }) => [mul(gy, b), mul(gy, a)] }),
  defineOp({
    name: 'Div', onnx: 'Div', doc: 'a / b', arity: 2, infer: binaryNumeric,
    grad: ({ gy, inputs: [, b], outputs: [y] }) => [div(gy, b), neg(div(mul(gy, y), b))]
  }),
  defineOp({
    name: 'Pow', onnx: 'Pow', doc: 'a ** b (same dtype)', arity: 2, infer: binaryFloat,
    grad: ({ gy, inputs: [a, b], outputs: [y] }) => [mul(gy, mul(b, pow(a, sub(b, 1)))), mul(gy, mul(y, log(a)))]
  }),
  defineOp({
    name: 'Max', onnx: 'Max', doc: 'elementwise maximum', arity: 2, infer: binaryNumeric,
    grad: ({ gy, inputs: [a, b] }) => extremumBackward(gy, a, b, greaterOrEqual(a, b))
  }),
  defineOp({
    name: 'Min', onnx: 'Min', doc: 'elementwise minimum', arity: 2, infer: binaryNumeric,
    grad: ({ gy, inputs: [a, b] }) => extremumBackward(gy, a, b, lessOrEqual(a, b))
  }),
  defineOp({ name: 'Neg', onnx: 'Neg', doc: '-x', arity: 1, infer: ins => binaryNumeric([ins[0], ins[0]]), grad: ({ gy }) => [neg(gy)] }),
  defineOp({ name: 'Sqrt', onnx: 'Sqrt', doc: 'square root', arity: 1, infer: unaryFloat, grad: ({ gy, outputs: [y] }) => [div(gy, mul(y, 2))] }),
  defineOp({ name: 'Exp', onnx: 'Exp', doc: 'e^x', arity: 1, infer: unaryFloat, grad: ({ gy, outputs: [y] }) => [mul(gy, y)] }),
  defineOp({ name: 'Log', onnx: 'Log', doc: 'natural log', arity: 1, infer: unaryFloat, grad: ({ gy, inputs: [a] }) => [div(gy, a)] }),
  defineOp({
    name: 'Abs', onnx: 'Abs', doc: '|x|', arity: 1, infer: ins => binaryNumeric([ins[0], ins[0]]),
    grad: ({ gy, inputs: [a] }) => [mul(gy, sign(a))]
  }),
  defineOp({
    name: 'Sign', onnx: 'Sign', doc: 'sign(x) in {-1, 0, 1}; piecewise constant, so not differentiable', arity: 1,
    infer: ins => binaryNumeric([ins[0], ins[0]]), grad: 'nonDifferentiable'
  }),
  defineOp({ name: 'Relu', onnx: 'Relu', doc: 'max(x, 0)', arity: 1, infer: unaryFloat, grad: ({ gy, inputs: [a] }) => [where(greater(a, 0), gy, 0)] }),
  defineOp({
    name: 'Sigmoid', onnx: 'Sigmoid', doc: 'logistic function', arity: 1, infer: unaryFloat,
    grad: ({ gy, outputs: [y] }) => [mul(gy, mul(y, sub(1, y)))]
  }),
  defineOp({ name: 'Tanh', onnx: 'Tanh', doc: 'hyperbolic tangent', arity: 1, infer: unaryFloat, grad: ({ gy, outputs: [y] }) => [mul(gy, sub(1, mul(y, y)))] }),
  defineOp({
    name: 'Erf', onnx: 'Erf', doc: 'error function (exact GELU)', arity: 1, infer: unaryFloat,
    // onnxruntime's CPU Erf is float32-only; float64 graphs (gradient checks) get a series lowering.
    lower: (n, ctx) => (n.inputTypes[0].dtype === 'float64' ? lowerErfFloat64(n, ctx) : ctx.node('Erf', n.inputs, n.outputs)),
    grad: ({ gy, inputs: [a] }) => [mul(gy, mul(exp(neg(mul(a, a))), SQRT_PI_HALF_INV))]
  }),
  defineOp({
    name: 'Softplus', onnx: 'Softplus', doc: 'ln(1 + e^x)', arity: 1, infer: unaryFloat,
    // onnxruntime's CPU Softplus(1) is float32-only; float64 uses the stable max(x,0) + ln(1 + e^-|x|);
    // float32 a vectorised composite, its kernel being element by element (./softplus-lowering.ts).
    lower: (n, ctx) => {
      const dtype = n.inputTypes[0].dtype;
      if (dtype === 'float64') lowerSoftplusFloat64(n, ctx);
      else if (dtype === 'float32') lowerSoftplusFloat32(n, ctx);
      else ctx.node('Softplus', n.inputs, n.outputs);
    },
    grad: ({ gy, inputs: [a] }) => [mul(gy, sigmoid(a))]
  }),
  defineOp({ name: 'Equal', onnx: 'Equal', doc: 'a == b', arity: 2, infer: comparison, grad: 'nonDifferentiable' }),
  defineOp({ name: 'Less', onnx: 'Less', doc: 'a < b', arity: 2, infer: comparison, grad: 'nonDifferentiable' }),
  defineOp({ name: 'LessOrEqual', onnx: 'LessOrEqual', doc: 'a <= b', arity: 2, infer: comparison, grad: 'nonDifferentiable' }),
  defineOp({ name: 'Greater', onnx: 'Greater', doc: 'a > b', arity: 2, infer: comparison, grad: 'nonDifferentiable' }),
  defineOp({ name: 'GreaterOrEqual', onnx: 'GreaterOrEqual', doc: 'a >= b', arity: 2, infer: comparison, grad: 'nonDifferentiable' }),
  defineOp({ name: 'And', onnx: 'And', doc: 'logical and', arity: 2, infer: logical, grad: 'nonDifferentiable' }),
  defineOp({ name: 'Or', onnx: 'Or', doc: 'logical or', arity: 2, infer: logical, grad: 'nonDifferentiable' }),
  defineOp({ name: 'Not', onnx: 'Not', doc: 'logical not', arity: 1, infer: logical, grad: 'nonDifferentiable' }),
  defineOp({
    name: 'Where', onnx: 'Where', doc: 'cond ? a : b', arity: 3,
    infer: ([c, a, b]) => {
      requireDType(c, ['bool'], 'the condition');
      if (a.dtype !== b.dtype) throw new DTypeError(`branch dtypes differ (${a.dtype} vs ${b.dtype})`);
      return [{ shape: broadcastShapes([c.shape, a.shape, b.shape]), dtype: a.dtype }];
    },
    grad: ({ gy, inputs: [c] }) => [null, where(c, gy, 0), where(c, 0, gy)]
  }),
  defineOp({
    name: 'Cast', onnx: 'Cast', doc: 'dtype conversion', arity: 1,
    infer: ([x], attrs) => {
      const to = attrs.to as DType;
      if (!DTYPES.includes(to)) throw new DTypeError(`attribute to=${JSON.stringify(attrs.to)} is not one of ${DTYPES.join(', ')}`);
      return [{ shape: x.shape, dtype: to }];
    },
    // Only float -> float casts carry a gradient; casts to or from int/bool cut the path.
    grad: ({ gy, inputs: [x], outputs: [y] }) => [isFloat(x.dtype) && isFloat(y.dtype) ? cast(gy, x.dtype) : null],
    lower: (n, ctx) => ctx.node('Cast', n.inputs, n.outputs, { to: onnxDType(n.attrs.to as DType) }, { to: 'int' })
  }),
  defineOp({ name: 'Identity', onnx: 'Identity', doc: 'copy', arity: 1, infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }], grad: ({ gy }) => [gy] }),
  defineOp({
    name: 'StopGradient', onnx: 'Identity', doc: 'identity forward; no gradient flows back', arity: 1,
    infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }], grad: () => [null]
  })
] as const;
