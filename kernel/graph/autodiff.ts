/**
 * Reverse-mode autodiff over the graph IR (style.md, points 2-3). The walk visits nodes in reverse
 * creation order (a reverse topological order), sums fan-out contributions, calls each op's rule
 * from the registry and then — the only place broadcasting is handled — sums every input gradient
 * back to its input's shape (sumToShape). Gradients are new nodes in the same graph, built from
 * standard ONNX ops, so forward + backward + update run as one session. A node that ends a
 * custom-gradient region (custom-gradient.ts) is one step: the region's backward maps its output
 * gradient to the region's inputs and the nodes inside the region are never visited.
 */
import { DTypeError, GradientNotImplementedError, ShapeError } from '../errors';
import { cast } from './api/math';
import { sum } from './api/reduce';
import { expand, reshape } from './api/shape';
import { sumGradients, zeros } from './backward';
import { customGradientOf } from './custom-gradient';
import { isFloat } from './dtype';
import { getOp } from './ops/registry';
import { broadcastShapes, formatShape, sameShape } from './shapes';
import type { Node, Tensor } from './tensor';

/**
 * Sums (or broadcasts) a gradient to `shape`: leading extra axes and axes where `shape` has 1 are
 * reduced. ShapeError (naming `what`) when `g` cannot have come from broadcasting `shape`.
 */
export function sumToShape(g: Tensor, shape: readonly number[], what = 'gradient'): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) {
    const b = broadcastShapes([g.shape, shape], what);
    if (!sameShape(b, shape)) throw new ShapeError(`${what}: gradient ${formatShape(g.shape)} does not fit ${formatShape(shape)}`);
    return expand(g, shape);
  }
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else {
      const want = shape[i - lead];
      if (want === g.shape[i]) continue;
      if (want === 1) axes.push(i);
      else if (g.shape[i] === 1) return sumToShape(expand(g, [...g.shape.slice(0, lead), ...shape]), shape, what);
      else throw new ShapeError(`${what}: gradient ${formatShape(g.shape)} cannot be reduced to ${formatShape(shape)} (axis ${i}: ${g.shape[i]} vs ${want})`);
    }
  }
  return reshape(sum(g, axes, true), shape);
}

export interface GradientOptions {
  /** Gradient of `y` to start from (default: ones of y's shape, i.e. d(sum y)). */
  seed?: Tensor;
  /** What to return for a `wrt` tensor that `y` does not depend on: zeros (default) or null. */
  unreachable?: 'zeros' | 'null';
}

function describeNode(node: Node): string {
  return `${node.op} (node ${node.name}) with inputs ${node.inputs.map(t => `${t.name}:${t.dtype}${formatShape(t.shape)}`).join(', ')}`;
}

/** Which tensors depend on any of `wrt` through float values (forward sweep). */
function requiringGrad(nodes: readonly Node[], wrt: readonly Tensor[]): Set<Tensor> {
  const req = new Set<Tensor>(wrt);
  for (const n of nodes) {
    if (!n.inputs.some(t => req.has(t))) continue;
    for (const o of n.outputs) if (isFloat(o.dtype)) req.add(o);
  }
  return req;
}

/** Gradients of `y` with respect to each of `wrt` (same shapes), as new tensors in y's graph. */
export function gradients(y: Tensor, wrt: readonly Tensor[], options: GradientOptions & { unreachable: 'null' }): (Tensor | null)[];
export function gradients(y: Tensor, wrt: readonly Tensor[], options?: GradientOptions): Tensor[];
export function gradients(y: Tensor, wrt: readonly Tensor[], options: GradientOptions = {}): (Tensor | null)[] {
  const graph = y.graph;
  for (const t of wrt) {
    if (t.graph !== graph) throw new ShapeError(`gradients: ${t} belongs to graph "${t.graph.name}", not "${graph.name}"`);
    if (!isFloat(t.dtype)) throw new DTypeError(`gradients: cannot differentiate with respect to ${t} (${t.dtype} is not a float dtype)`);
  }
  if (!isFloat(y.dtype)) throw new DTypeError(`gradients: ${y} is ${y.dtype}; only float outputs can be differentiated`);
  const seed = options.seed ?? expand(graph.scalar(1, y.dtype), y.shape);
  if (!sameShape(seed.shape, y.shape)) throw new ShapeError(`gradients: seed ${seed} must have the shape of ${y}`);

  // Only nodes created before this call take part (the walk adds nodes as it goes).
  const nodes = graph.nodes.slice();
  const req = requiringGrad(nodes, wrt);
  const contributions = new Map<Tensor, Tensor[]>();
  contributions.set(y, [seed]);
  const accumulated = (t: Tensor): Tensor | null => {
    const list = contributions.get(t);
    if (!list || list.length === 0) return null;
    const acc = sumGradients(list);
    contributions.set(t, [acc]);
    return acc;
  };

  /** Adds rule results (one per input) to the inputs' contributions, reduced to their shapes. */
  const contribute = (node: Node, inputs: readonly Tensor[], needs: readonly boolean[], results: readonly (Tensor | null)[], via: string) => {
    inputs.forEach((input, i) => {
      const g = results[i];
      if (!needs[i] || !g) return;
      let r = sumToShape(g, input.shape, `gradient of ${input.name} through ${via} (node ${node.name})`);
      if (r.dtype !== input.dtype) r = cast(r, input.dtype);
      const list = contributions.get(input) ?? [];
      list.push(r);
      contributions.set(input, list);
    });
  };

  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k];
    if (!node.outputs.some(o => contributions.has(o))) continue;
    const region = customGradientOf(node);
    if (region) {
      const needs = region.inputs.map(t => req.has(t));
      if (!needs.some(Boolean)) continue;
      const output = node.outputs[0];
      const gy = accumulated(output) ?? zeros(output);
      // Scoped `grad/<region>/...`: profiles attribute the region's backward (e.g. the scan's) by name.
      const results = graph.scope(`grad/${region.name}`, () => region.backward({ inputs: region.inputs, output, gy, needs }));
      if (results.length !== region.inputs.length) {
        throw new GradientNotImplementedError(`custom gradient "${region.name}" (node ${node.name}): its backward returned ${results.length} entries for ${region.inputs.length} inputs`);
      }
      contribute(node, region.inputs, needs, results, `custom gradient "${region.name}"`);
      continue;
    }
    const needs = node.inputs.map(t => req.has(t));
    if (!needs.some(Boolean)) continue;
    const def = getOp(node.op);
    if (typeof def.grad !== 'function') {
      const which = node.inputs.filter((_, i) => needs[i]).map(t => t.name).join(', ');
      const kind = def.grad === 'nonDifferentiable' ? 'is not differentiable' : 'has no gradient rule yet';
      throw new GradientNotImplementedError(
        `${describeNode(node)} ${kind}, but the gradient path runs through it (input ${which} depends on a trained parameter)`,
        { hint: 'wrap the input in stopGradient() if no gradient should flow, or freeze the parameter' }
      );
    }
    const gys = node.outputs.map(accumulated);
    const gy = gys[0] ?? zeros(node.outputs[0]);
    const results = def.grad({ node, inputs: node.inputs, outputs: node.outputs, attrs: node.attrs, gy, gys });
    if (results.length !== node.inputs.length) {
      throw new GradientNotImplementedError(`${describeNode(node)}: its gradient rule returned ${results.length} entries for ${node.inputs.length} inputs`);
    }
    contribute(node, node.inputs, needs, results, node.op);
  }

  return wrt.map(t => {
    const g = accumulated(t);
    if (g) return g;
    return options.unreachable === 'null' ? null : zeros(t);
  });
}

