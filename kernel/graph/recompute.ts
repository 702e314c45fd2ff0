/**
 * Activation recomputation (gradient checkpointing) as a transform of a training graph.
 *
 * Without it, every forward activation the backward pass reads stays alive from its forward node to
 * its backward use: for the official NeuroSTORM configuration that is most of the step's 12.7 GB.
 * With it, the forward is cut into segments at "cut" tensors — points of the forward where a single
 * activation is live (a residual network's block outputs) — and the backward reads, instead of a
 * segment's own activations, a copy of the segment's forward recomputed from the segment's input.
 * Only the cut tensors stay alive through the step; a segment's activations exist while its
 * backward runs. The cost is one more forward of the recomputed segments.
 *
 * onnxruntime schedules any topological order and could run a recomputed copy right after the
 * original (gaining nothing), so each copy starts from `input + 0 · g`, where g is one element of
 * the gradient arriving at the segment's output: the copy cannot start before the backward has
 * reached the segment. x + 0 = x exactly, so gradients do not change (test/graph/recompute.test.ts
 * compares them in float64).
 */
import { ShapeError } from '../errors';
import { add, mul } from './api/math';
import { reshape, slice } from './api/shape';
import { customGradientOf } from './custom-gradient';
import { isFloat } from './dtype';
import type { Graph } from './graph';
import type { Node, Tensor } from './tensor';

export interface RecomputeOptions {
  /**
   * Smallest segment, in bytes of activations its nodes produce: cut points closer than this are
   * merged. Many small segments keep many cut tensors; few large ones hold more while one recomputes.
   * Default: the forward's activation bytes / 24 (about two segments per official block).
   */
  segmentBytes?: number;
  /**
   * Keep the outputs of custom-gradient regions (the selective scan) instead of recomputing them for
   * readers outside the region (default true; false recomputes them, as before issue 18's third pass).
   */
  keepRegionOutputs?: boolean;
}

/** A recomputable stretch of the forward: nodes strictly after `input`'s cut up to `output`. */
export interface Segment {
  /** The single live activation before the segment (a graph input for the first segment). */
  input: Tensor;
  /** The single live activation after it (the next segment's input). */
  output: Tensor;
  nodes: Node[];
}

export interface RecomputePlan {
  /** Number of forward nodes (the graph's nodes before gradients were added). */
  forwardNodes: number;
  segments: Segment[];
}

const BYTES: Record<string, number> = { float32: 4, float64: 8, int64: 8, bool: 1 };
const bytesOf = (t: Tensor) => t.size * (BYTES[t.dtype] ?? 4);

/** Tensors that depend on any of `from` (forward sweep over nodes in creation order). */
export function dependents(nodes: readonly Node[], from: Iterable<Tensor>, floatOnly = false): Set<Tensor> {
  const dep = new Set<Tensor>(from);
  for (const n of nodes) {
    if (!n.inputs.some(t => dep.has(t))) continue;
    for (const o of n.outputs) if (!floatOnly || isFloat(o.dtype)) dep.add(o);
  }
  return dep;
}

/**
 * Plans segments over the graph's current nodes (call it before building gradients): cut points are
 * where exactly one activation (a tensor depending on a graph input) is live, i.e. produced and
 * still read by a later node; cuts closer than `segmentBytes` are merged. `root` (the loss) must be
 * downstream of the last cut; nodes after it are not recomputed (their backward comes first anyway).
 */
export function planRecompute(graph: Graph, root: Tensor, options: RecomputeOptions = {}): RecomputePlan {
  const nodes = graph.nodes.slice();
  const active = dependents(nodes, graph.inputs);
  if (!active.has(root)) throw new ShapeError(`recompute: ${root} does not depend on any input of graph "${graph.name}"`);
  const lastUse = new Map<Tensor, number>();
  nodes.forEach((n, i) => n.inputs.forEach(t => active.has(t) && lastUse.set(t, i)));
  const total = nodes.reduce((a, n) => a + n.outputs.filter(o => active.has(o)).reduce((b, o) => b + bytesOf(o), 0), 0);
  const minBytes = options.segmentBytes ?? total / 24;

  // Graph inputs are not counted: the caller's feeds stay alive through the run anyway (and a
  // label read only by the loss would otherwise be live everywhere).
  const live = new Set<Tensor>();
  const segments: Segment[] = [];
  let input: Tensor | null = null;
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    for (const o of n.outputs) {
      if (!active.has(o)) continue;
      bytes += bytesOf(o);
      if ((lastUse.get(o) ?? -1) > i) live.add(o);
    }
    for (const t of n.inputs) if (lastUse.get(t) === i) live.delete(t);
    if (live.size !== 1) continue;
    const cut = [...live][0];
    if (input === null) {
      // Before the first cut several activations (inputs) are live: nothing to recompute from yet.
      input = cut;
      start = i + 1;
      bytes = 0;
      continue;
    }
    if (cut === input || bytes < minBytes) continue;
    const seg = nodes.slice(start, i + 1).filter(m => m.outputs.some(o => active.has(o)));
    segments.push({ input, output: cut, nodes: seg });
    input = cut;
    start = i + 1;
    bytes = 0;
  }
  return { forwardNodes: nodes.length, segments };
}

/** Cut tensors whose gradient the transform needs (those depending on a trained tensor in `wrt`). */
export function cutsNeedingGradient(graph: Graph, plan: RecomputePlan, wrt: readonly Tensor[]): Tensor[] {
  const req = dependents(graph.nodes.slice(0, plan.forwardNodes), wrt, true);
  return plan.segments.map(s => s.output).filter(t => req.has(t));
}

/**
 * Applies the plan after gradients were built: `outputGradient(t)` is the gradient tensor arriving
 * at cut `t` (the one the backward of its segment starts from), or null. Backward nodes that read a
 * segment's activations read a tied recomputed copy instead; the node list is re-sorted so copies
 * come right before their first reader. Returns the segments recomputed and the nodes added.
 */
export function applyRecompute(graph: Graph, plan: RecomputePlan, outputGradient: (t: Tensor) => Tensor | null, options: RecomputeOptions = {}): { segments: number; nodes: number } {
  const keep = options.keepRegionOutputs ?? true;
  const kept = (n: Node) => keep && customGradientOf(n) !== undefined;
  const before = graph.nodes.length;
  let segments = 0;
  const backward = graph.nodes.slice(plan.forwardNodes);
  const readers = new Map<Tensor, { node: Node; slot: number }[]>();
  for (const node of backward) {
    node.inputs.forEach((t, slot) => {
      if (t.producer === null) return;
      const list = readers.get(t) ?? [];
      list.push({ node, slot });
      readers.set(t, list);
    });
  }
  graph.scope('recompute', () => {
    for (const seg of plan.segments) {
      const inSeg = new Set(seg.nodes);
      const saved = new Set<Tensor>();
      for (const n of seg.nodes) for (const o of n.outputs) if (o !== seg.output && readers.has(o)) saved.add(o);
      if (saved.size === 0) continue;
      const g = outputGradient(seg.output);
      // The tie adds a value of the gradient's dtype to the input: both must be the same float type.
      if (!g || g.dtype !== seg.input.dtype) continue;
      // Only what depends on the segment's input is recomputed (and tied); values made from graph
      // inputs or parameters alone stay as the forward made them.
      const fromInput = dependents(seg.nodes, [seg.input]);
      for (const t of saved) if (!fromInput.has(t)) saved.delete(t);
      if (saved.size === 0) continue;
      // The outputs of custom-gradient regions are kept, not recomputed: a region exists because its
      // forward is expensive (the selective scan), its backward recomputes what it needs from the
      // region's inputs, and its output is small ([M, L, E] for the scan). Recomputing it for a
      // reader outside the region (the gate y·silu(z)) would run the whole region's forward again.
      for (const t of saved) if (t.producer && kept(t.producer)) saved.delete(t);
      if (saved.size === 0) continue;
      // Only the nodes some saved tensor needs (stopping at kept region outputs).
      const needed = new Set<Node>();
      const stack = [...saved].map(t => t.producer as Node);
      while (stack.length) {
        const n = stack.pop() as Node;
        if (needed.has(n) || !inSeg.has(n) || !n.outputs.some(o => fromInput.has(o)) || kept(n)) continue;
        needed.add(n);
        for (const t of n.inputs) if (t.producer && inSeg.has(t.producer)) stack.push(t.producer);
      }
      const one = reshape(slice(g, { starts: g.shape.map(() => 0), ends: g.shape.map(() => 1) }), []);
      const tied = add(seg.input, mul(one, 0));
      const copy = new Map<Tensor, Tensor>([[seg.input, tied]]);
      for (const n of seg.nodes) {
        if (!needed.has(n)) continue;
        const outs = graph.emit(n.op, n.inputs.map(t => copy.get(t) ?? t), n.attrs, n.outputs.length);
        n.outputs.forEach((o, k) => copy.set(o, outs[k]));
      }
      segments++;
      for (const t of saved) {
        // Node inputs are arrays owned by the graph; rewiring in place keeps every producer link valid.
        for (const r of readers.get(t) ?? []) (r.node.inputs as Tensor[])[r.slot] = copy.get(t) as Tensor;
      }
    }
  });
  sortTopologically(graph);
  return { segments, nodes: graph.nodes.length - before };
}

/**
 * Re-sorts graph.nodes into a topological order that keeps the existing order where it can: each
 * node is placed after its producers, so nodes appended late (the copies) land right before their
 * first reader.
 */
export function sortTopologically(graph: Graph): void {
  const placed = new Set<Node>();
  const order: Node[] = [];
  for (const root of graph.nodes) {
    if (placed.has(root)) continue;
    // Iterative depth-first walk: producers first (segments are thousands of nodes deep).
    const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.inputs.length) {
        const p = top.node.inputs[top.next++].producer;
        if (p && !placed.has(p)) stack.push({ node: p, next: 0 });
        continue;
      }
      stack.pop();
      if (!placed.has(top.node)) {
        placed.add(top.node);
        order.push(top.node);
      }
    }
  }
  graph.nodes.length = 0;
  for (const n of order) graph.nodes.push(n);
}
