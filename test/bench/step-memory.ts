/**
 * `npm run bench -- step-memory [--config official|tiny] [--mode tpt|full] [--task cls|mae]
 *   [--group-elements N] [--no-recompute]`: static memory analysis of a training-step graph (no run).
 *
 * Walks the serialised nodes in our order; each node output is alive from its producer to its last
 * reader (graph outputs to the end); view ops (Reshape, Squeeze, Unsqueeze, Flatten, Identity) alias
 * their input as onnxruntime does. Prints the simulated peak of node outputs, where it happens and
 * the largest tensors alive there. onnxruntime may run another topological order (the graph README
 * has the figures of both), so this is the floor the ordering aims at, not the measured RSS (the
 * model bench measures that).
 */
import * as models from '../../kernel/models';
import { liveNodes } from '../../kernel/graph/serialize';
import type { Node, Tensor } from '../../kernel/graph/tensor';
import { buildTrainStep, TrainMode } from '../../kernel/train/trainer';
import { fixtureFolder, option } from './bench-args';

const VIEWS = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);
const BYTES: Record<string, number> = { float32: 4, float64: 8, int64: 8, bool: 1 };
const bytesOf = (t: Tensor) => t.size * (BYTES[t.dtype] ?? 4);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

export interface PeakReport {
  nodes: number;
  peakBytes: number;
  peakNode: Node;
  peakIndex: number;
  largest: { tensor: Tensor; bytes: number }[];
}

/** Simulated peak of node outputs for `nodes` run in this order (`keep`: alive to the end). */
export function simulatePeak(nodes: readonly Node[], keep: Iterable<Tensor>): PeakReport {
  const alias = new Map<Tensor, Tensor>();
  for (const n of nodes) if (VIEWS.has(n.op)) alias.set(n.outputs[0], n.inputs[0]);
  const base = (t: Tensor) => {
    while (alias.has(t)) t = alias.get(t) as Tensor;
    return t;
  };
  const lastUse = new Map<Tensor, number>();
  nodes.forEach((n, i) => n.inputs.forEach(t => lastUse.set(base(t), Math.max(lastUse.get(base(t)) ?? -1, i))));
  for (const t of keep) lastUse.set(base(t), Infinity);
  const live = new Map<Tensor, number>();
  let current = 0;
  let best: PeakReport = { nodes: nodes.length, peakBytes: -1, peakNode: nodes[0], peakIndex: 0, largest: [] };
  nodes.forEach((n, i) => {
    if (!VIEWS.has(n.op)) {
      for (const o of n.outputs) {
        live.set(o, bytesOf(o));
        current += bytesOf(o);
      }
    }
    if (current > best.peakBytes) {
      const largest = [...live.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([tensor, bytes]) => ({ tensor, bytes }));
      best = { nodes: nodes.length, peakBytes: current, peakNode: n, peakIndex: i, largest };
    }
    for (const t of [...n.inputs, ...n.outputs]) {
      const b = base(t);
      if (live.has(b) && (lastUse.get(b) ?? -1) <= i) {
        current -= live.get(b) as number;
        live.delete(b);
      }
    }
  });
  return best;
}

export async function main(args: string[]): Promise<void> {
  const opt = (name: string, dflt: string) => option(args, name, dflt);
  const config = opt('--config', 'official');
  const model = await models.load(fixtureFolder(config), {});
  const task = opt('--task', 'cls') as 'cls' | 'mae';
  const mode = opt('--mode', task === 'mae' ? 'full' : 'tpt') as TrainMode;
  const groups = args.includes('--group-elements') ? { scanGroupElements: Number(opt('--group-elements', '0')) } : {};
  const { step } = buildTrainStep(model, { task, mode, batch: 1, recompute: !args.includes('--no-recompute'), ...groups });
  const g = step.graph;
  const outputs = [...g.outputs.values()];
  const r = simulatePeak(liveNodes(g, outputs), outputs);
  process.stdout.write(
    `${config} ${mode} ${task} step: ${r.nodes} nodes; simulated peak of node outputs ${(r.peakBytes / 2 ** 30).toFixed(2)} GiB at node ${r.peakIndex} (${r.peakNode.op} ${r.peakNode.name})\n` +
      r.largest.map(l => `  ${mib(l.bytes)}  ${l.tensor.producer?.op ?? 'input'} [${l.tensor.shape.join(', ')}] ${l.tensor.producer?.name ?? ''}`).join('\n') +
      '\n'
  );
}
