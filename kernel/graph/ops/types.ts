/**
 * The shape of one op record (style.md, point 1): everything about an op sits in one OpDef —
 * its ONNX lowering (op type, opset), arity, typed attributes, shape rule and gradient rule.
 */
import type { DType } from '../dtype';
import type { Node, Tensor } from '../tensor';

/** Attribute values kept in the IR. Shapes, axes and pads are static attributes here; lowering turns
 * the ones ONNX wants as int64 inputs (opset 17: Reshape, Slice, Pad, Expand, ReduceSum, Split, CumSum)
 * into initializers. */
export type AttrValue = number | boolean | string | readonly number[];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** What shape inference sees of a tensor. */
export interface TensorType {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** What a gradient rule receives. `gy` is the gradient of output 0 (zeros if none flowed in);
 * `gys[i]` is the gradient of output i or null. */
export interface GradContext {
  readonly node: Node;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
  readonly gy: Tensor;
  readonly gys: readonly (Tensor | null)[];
}

/** One entry per input: the gradient (any shape that broadcasts to the input's; the engine sums it
 * back, style.md point 3) or null for "no gradient flows to this input". */
export type GradRule = (c: GradContext) => readonly (Tensor | null)[];

/** How ONNX attributes are typed when lowering. */
export type OnnxAttrKind = 'int' | 'ints' | 'float' | 'string';

/** Context passed to a custom lowering: emits ONNX nodes and int64 constants by name. */
export interface LowerContext {
  /** Name of an int64 initializer holding `values` (1-D, or a scalar when `scalar`). */
  int64(values: readonly number[], scalar?: boolean): string;
  /** Name of a scalar initializer of `dtype` holding `value`. */
  scalar(value: number, dtype: DType): string;
  /** A fresh value name for an intermediate result of a multi-node lowering. */
  fresh(base: string): string;
  /** Emits one ONNX node. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs?: Readonly<Record<string, AttrValue>>, kinds?: Readonly<Record<string, OnnxAttrKind>>): void;
}

/** A node as lowering sees it: tensor names instead of handles. */
export interface LowerNode {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
  readonly inputTypes: readonly TensorType[];
  readonly outputTypes: readonly TensorType[];
}

export interface OpDef {
  /** Registry key; equals the ONNX op type where the op maps 1:1. */
  readonly name: string;
  /** The ONNX op type (domain ai.onnx) the default lowering emits. */
  readonly onnx: string;
  /** One-line description (why the op exists, what it computes). */
  readonly doc: string;
  /** Number of inputs, or [min, max]. */
  readonly arity: number | readonly [number, number];
  /** Output types from input types and attributes; throws ShapeError/DTypeError (the engine adds op and shapes). */
  readonly infer: (inputs: readonly TensorType[], attrs: Attrs) => TensorType[];
  /** Gradient rule, or a marker: `nonDifferentiable` (no gradient exists, e.g. comparisons) or
   * `notImplemented` (exists but not written; backward throws GradientNotImplementedError). */
  readonly grad: GradRule | 'nonDifferentiable' | 'notImplemented';
  /** Attributes that the default lowering passes to ONNX, with their kinds. */
  readonly onnxAttrs?: Readonly<Record<string, OnnxAttrKind>>;
  /** Custom lowering (for ops whose ONNX form takes int64 inputs, or composite lowerings). */
  readonly lower?: (node: LowerNode, ctx: LowerContext) => void;
}

/** Identity helper that keeps the literal op name in the type (so OpName is a union). */
export function defineOp<N extends string>(def: OpDef & { name: N }): OpDef & { name: N } {
  return def;
}
