/**
 * Tensor handles and nodes of the graph IR. A handle is typed (static shape and dtype) and knows its
 * graph, so op functions need no graph argument: `add(x, y)` emits into `x.graph`.
 */
import type { DType } from './dtype';
import type { Graph } from './graph';
import type { Attrs } from './ops/types';
import { formatShape, numel } from './shapes';

/** Where a tensor comes from: a graph input, a parameter, a constant, or a node output. */
export type TensorKind = 'input' | 'param' | 'constant' | 'node';

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    /** Unique name in the graph (the ONNX value name). */
    readonly name: string,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly kind: TensorKind,
    /** The node that produced it (kind 'node'), else null. */
    readonly producer: Node | null
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return numel(this.shape);
  }

  toString(): string {
    return `${this.name}:${this.dtype}${formatShape(this.shape)}`;
  }
}

export interface Node {
  readonly id: number;
  /** Registry op name. */
  readonly op: string;
  /** Unique node name (the ONNX node name). */
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
}
