/**
 * Custom-gradient regions: a composite function (built from registry ops) that declares its own
 * backward, so autodiff does not walk through the nodes inside it. This is not a second op table —
 * the forward is ordinary registry nodes, lowered and run as usual; only the reverse walk treats the
 * region's output node as one step whose rule is the composite's backward.
 *
 * Why: some composites have a gradient far cheaper than the derivative of their construction (the
 * chunked selective scan, kernel/models/selective-scan.ts: its gradient is the same recurrence run
 * in reverse time, while differentiating every chunk node keeps all of them alive for the backward).
 *
 * How autodiff uses it (autodiff.ts): when the walk reaches the node that produced a region's output,
 * it calls the region's backward with the output's gradient and adds the results to the region's
 * declared inputs (broadcast reduced by sumToShape, as for op rules). Nodes inside the region then
 * receive no gradient through that output, so they are skipped; an inner tensor that is also used
 * outside the region still gets its outside gradient through the generic walk, which stays correct.
 */
import { ShapeError } from '../errors';
import { identity } from './api/math';
import type { Node, Tensor } from './tensor';

/** What a region's backward receives: its declared inputs, its output, the output's gradient, and
 * which inputs need a gradient (the rest may be null). */
export interface CustomGradContext {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly gy: Tensor;
  readonly needs: readonly boolean[];
}

/** One entry per declared input: its gradient (any shape broadcasting to the input's) or null. */
export type CustomBackward = (c: CustomGradContext) => readonly (Tensor | null)[];

export interface CustomGradientRegion {
  /** For error messages: what the region computes. */
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly backward: CustomBackward;
}

/** Region by the node producing its output. A WeakMap: regions need no field in Graph and die with it. */
const REGIONS = new WeakMap<Node, CustomGradientRegion>();

/**
 * Builds `forward()` (which must compute its result from `inputs` with registry ops) and marks its
 * result as a region whose gradient is `backward`. The returned tensor is the forward's result, or an
 * Identity of it when the result was not produced inside `forward` (e.g. an input returned as is).
 */
export function withCustomGradient(name: string, inputs: readonly Tensor[], forward: () => Tensor, backward: CustomBackward): Tensor {
  if (inputs.length === 0) throw new ShapeError(`custom gradient "${name}": declare at least one input`);
  const graph = inputs[0].graph;
  for (const t of inputs) {
    if (t.graph !== graph) throw new ShapeError(`custom gradient "${name}": input ${t} belongs to graph "${t.graph.name}", not "${graph.name}"`);
  }
  const start = graph.nodes.length;
  let y = forward();
  if (y.graph !== graph) throw new ShapeError(`custom gradient "${name}": the forward returned ${y} from graph "${y.graph.name}"`);
  const producedHere = y.producer !== null && graph.nodes.indexOf(y.producer, start) >= 0;
  if (!producedHere) y = identity(y);
  REGIONS.set(y.producer as Node, { name, inputs: [...inputs], backward });
  return y;
}

/** The region whose output `node` produces, if any (autodiff's hook; graph transforms that copy
 * nodes use it to carry the mark over). */
export function customGradientOf(node: Node): CustomGradientRegion | undefined {
  return REGIONS.get(node);
}
