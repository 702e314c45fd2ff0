/**
 * Elementwise ops as functions on tensor handles. Binary ops broadcast (NumPy rules) and accept a
 * plain number for either operand, which becomes a scalar constant of the other operand's dtype.
 *
 * @example
 *   const y = add(mul(x, 2), b);   // y = 2x + b
 */
import { DTypeError } from '../../errors';
import type { DType } from '../dtype';
import type { Tensor } from '../tensor';

/** A tensor, or a number taken as a scalar of the other operand's dtype. */
export type Operand = Tensor | number;

function lift(a: Operand, b: Operand, op: string): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new DTypeError(`${op}: at least one operand must be a tensor, got two numbers`);
  const ta = typeof a === 'number' ? (b as Tensor).graph.scalar(a, (b as Tensor).dtype) : a;
  const tb = typeof b === 'number' ? ta.graph.scalar(b, ta.dtype) : b;
  return [ta, tb];
}

const binary = (op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Max' | 'Min' | 'Equal' | 'Less' | 'LessOrEqual' | 'Greater' | 'GreaterOrEqual' | 'And' | 'Or') =>
  (a: Operand, b: Operand): Tensor => {
    const [ta, tb] = lift(a, b, op);
    return ta.graph.emit(op, [ta, tb])[0];
  };

const unary = (op: 'Sign' | 'Neg' | 'Sqrt' | 'Exp' | 'Log' | 'Abs' | 'Relu' | 'Sigmoid' | 'Tanh' | 'Erf' | 'Softplus' | 'Not' | 'Identity' | 'StopGradient') =>
  (x: Tensor): Tensor => x.graph.emit(op, [x])[0];

/** a + b */
export const add = binary('Add');
/** a - b */
export const sub = binary('Sub');
/** a * b */
export const mul = binary('Mul');
/** a / b */
export const div = binary('Div');
/** a ** b */
export const pow = binary('Pow');
/** Elementwise max(a, b); the gradient goes to a where a >= b. */
export const maximum = binary('Max');
/** Elementwise min(a, b); the gradient goes to a where a <= b. */
export const minimum = binary('Min');
/** a == b (bool). */
export const equal = binary('Equal');
/** a < b (bool). */
export const less = binary('Less');
/** a <= b (bool). */
export const lessOrEqual = binary('LessOrEqual');
/** a > b (bool). */
export const greater = binary('Greater');
/** a >= b (bool). */
export const greaterOrEqual = binary('GreaterOrEqual');
/** Logical and of bool tensors. */
export const logicalAnd = binary('And');
/** Logical or of bool tensors. */
export const logicalOr = binary('Or');

/** -x */
export const neg = unary('Neg');
/** sqrt(x) */
export const sqrt = unary('Sqrt');
/** e^x */
export const exp = unary('Exp');
/** ln(x) */
export const log = unary('Log');
/** sign(x) in {-1, 0, 1} (not differentiable: wrap in stopGradient on a gradient path). */
export const sign = unary('Sign');
/** |x| (gradient sign(x), 0 at 0 as in PyTorch). */
export const abs = unary('Abs');
/** max(x, 0) */
export const relu = unary('Relu');
/** 1 / (1 + e^-x) */
export const sigmoid = unary('Sigmoid');
/** tanh(x) */
export const tanh = unary('Tanh');
/** The error function (for exact GELU). */
export const erf = unary('Erf');
/** ln(1 + e^x), computed stably by onnxruntime (equals PyTorch's threshold-20 softplus in float32). */
export const softplus = unary('Softplus');
/** Logical not of a bool tensor. */
export const logicalNot = unary('Not');
/** A copy of x (a graph edge with its own name). */
export const identity = unary('Identity');
/** x in the forward pass; blocks the gradient (nothing flows back through it). */
export const stopGradient = unary('StopGradient');

/** cond ? a : b, broadcasting all three. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const [ta, tb] = lift(a, b, 'Where');
  return cond.graph.emit('Where', [cond, ta, tb])[0];
}

/** Converts to another dtype (float -> int truncates toward zero, as ONNX Cast). */
export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  return x.graph.emit('Cast', [x], { to })[0];
}

/** x * x */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/** 1 / x */
export function reciprocal(x: Tensor): Tensor {
  return div(1, x);
}

/** Clamps to [lo, hi] (either bound may be omitted), as torch.clamp: the gradient is 0 where clamped. */
export function clamp(x: Tensor, lo?: number, hi?: number): Tensor {
  let y = x;
  if (lo !== undefined) y = maximum(y, lo);
  if (hi !== undefined) y = minimum(y, hi);
  return y;
}
