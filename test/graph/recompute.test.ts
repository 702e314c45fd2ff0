import * as G from '../../kernel/graph';
import { planRecompute } from '../../kernel/graph/recompute';
import * as models from '../../kernel/models';
import { createRng } from '../../kernel/random';
import { ParameterStore } from '../../kernel/runtime/param-store';
import { Trainer } from '../../kernel/runtime/trainer';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { buildTrainStep, trainer } from '../../kernel/train/trainer';

const N = 6;
const D = 8;
const BLOCKS = 5;

/** A pre-norm residual MLP stack in float64: h ← h + W2·tanh(W1·LN(h)); loss = MSE to y. */
function residualStack() {
  const g = new G.Graph('stack');
  let h = g.input('x', [N, D], 'float64');
  const y = g.input('y', [N, D], 'float64');
  const blockOutputs: G.Tensor[] = [];
  for (let k = 0; k < BLOCKS; k++) {
    const p = (n: string, s: number[]) => g.param(`b${k}.${n}`, s, { dtype: 'float64' });
    const z = G.layerNorm(h, p('ln.weight', [D]), p('ln.bias', [D]));
    h = G.add(h, G.linear(G.tanh(G.linear(z, p('fc1.weight', [2 * D, D]), p('fc1.bias', [2 * D]))), p('fc2.weight', [D, 2 * D])));
    blockOutputs.push(h);
  }
  return { g, loss: G.mseLoss(h, y), blockOutputs };
}

/** Gradients as SGD(lr 1) moves them: p - next(p), for every parameter. */
async function sgdGradients(recompute: boolean, feeds: Record<string, HostTensor>): Promise<{ grads: Map<string, Float64Array>; spec: G.TrainingStep }> {
  const { g, loss } = residualStack();
  const spec = G.buildTrainingStep({ loss, optimizer: G.sgd(), recompute: recompute ? { segmentBytes: 1 } : false });
  const store = new ParameterStore().initialize(g, createRng(7));
  const before = new Map(store.entries().map(([k, v]) => [k, Float64Array.from(v.data as Float64Array)]));
  const t = await Trainer.create(spec, store, { provider: 'cpu', threads: 1, cache: false });
  await t.step(feeds, 1);
  const grads = new Map<string, Float64Array>();
  for (const tp of spec.trained) {
    const now = store.get(tp.param.name).data as Float64Array;
    grads.set(tp.param.name, before.get(tp.param.name)!.map((v, i) => v - now[i]));
  }
  return { grads, spec };
}

/** Activations (tensors depending on a graph input) made by forward nodes and read by backward nodes. */
function forwardActivationsReadByBackward(spec: G.TrainingStep, forwardNames: Set<string>): Set<string> {
  const read = new Set<string>();
  for (const n of spec.graph.nodes) {
    if (forwardNames.has(n.name)) continue;
    for (const t of n.inputs) if (t.producer && forwardNames.has(t.producer.name)) read.add(t.name);
  }
  return read;
}

describe('activation recomputation', () => {
  it('cuts where one activation is live: at block outputs, never inside a residual block', () => {
    const { g, loss, blockOutputs } = residualStack();
    const plan = planRecompute(g, loss, { segmentBytes: 1 });
    const cuts = plan.segments.map(s => s.output);
    // Inside a block (after the first, whose input is a graph input and so not counted as live) the
    // residual input and the branch are both live; between blocks only h is.
    const fromSecond = plan.segments.filter(s => s.input === blockOutputs[0] || cuts.indexOf(s.input) >= cuts.indexOf(blockOutputs[0]));
    expect(fromSecond.slice(0, BLOCKS - 1).map(s => s.output)).toEqual(blockOutputs.slice(1));
    expect(fromSecond.slice(0, BLOCKS - 1).every(s => s.nodes.length > 3)).toBe(true);
    // A larger segmentBytes merges cuts: fewer, longer segments (and none once it exceeds the forward).
    const counts = [1, 4000, 20000, 1e12].map(bytes => planRecompute(g, loss, { segmentBytes: bytes }).segments.length);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeLessThanOrEqual(counts[i - 1]);
    expect(counts[1]).toBeLessThan(counts[0]);
    expect(counts[3]).toBe(0);
  });

  it('changes no gradient (float64, to 1e-12) and backward reads only cut tensors of the forward', async () => {
    const rng = createRng(3);
    const rand = () => Float64Array.from({ length: N * D }, () => rng.uniform(-1, 1));
    const feeds = { x: { data: rand(), shape: [N, D] }, y: { data: rand(), shape: [N, D] } };
    const plain = await sgdGradients(false, feeds);
    const rec = await sgdGradients(true, feeds);
    expect(rec.spec.recompute.segments).toBeGreaterThanOrEqual(BLOCKS - 1);
    expect(rec.spec.recompute.nodes).toBeGreaterThan(0);
    let maxDiff = 0;
    let maxAbs = 0;
    for (const [name, g] of plain.grads) {
      const r = rec.grads.get(name)!;
      g.forEach((v, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - r[i]));
        maxAbs = Math.max(maxAbs, Math.abs(v));
      });
    }
    expect(maxAbs).toBeGreaterThan(1e-3); // real gradients, not zeros
    expect(maxDiff).toBeLessThan(1e-12);

    // Structure: the backward reads no segment-internal activation of the forward (only cuts and
    // the tensors after the last cut); without recomputation it reads many.
    const probe = residualStack();
    const plan = planRecompute(probe.g, probe.loss, { segmentBytes: 1 });
    const forwardNames = new Set(probe.g.nodes.map(n => n.name));
    const cuts = new Set(plan.segments.flatMap(s => [s.input.name, s.output.name]));
    const internal = new Set(plan.segments.flatMap(s => s.nodes.flatMap(n => n.outputs.map(o => o.name))).filter(n => !cuts.has(n)));
    const internalRead = (spec: G.TrainingStep) => [...forwardActivationsReadByBackward(spec, forwardNames)].filter(n => internal.has(n));
    expect(internalRead(rec.spec)).toEqual([]);
    expect(internalRead(plain.spec).length).toBeGreaterThan(2 * BLOCKS);
  });

  it('a NeuroSTORM TPT step (demo config, float64) has the same loss and updates with and without it, and re-runs no scan forward', async () => {
    const cfg = models.demoConfig({ heads: [{ kind: 'cls', numClasses: 2 }] });
    const x = models.fixtureInput(2, cfg.imgSize);
    const x64 = { data: Float64Array.from(x.data as Float32Array), shape: x.shape };
    const target = { data: Float64Array.from([1, 0]), shape: [2, 1] };
    const run = async (recompute: boolean, keepRegionOutputs = true) => {
      const m = models.create(cfg, { seed: 4, mae: false }).withPrompts(3, 5);
      const tr = await trainer(m, { task: 'cls', mode: 'tpt', batch: 2, dtype: 'float64', optimizer: G.sgd(), recompute: recompute ? { segmentBytes: 1, keepRegionOutputs } : false });
      const r = await tr.step(x64, target, 1);
      const values = new Map(tr.trainer.spec.trained.map(t => [t.param.name, tr.trainer.store.get(t.param.name).data as Float64Array]));
      // CumSum is the scan's op: recomputed copies holding one re-run the scan's forward.
      const scanCopies = tr.trainer.spec.graph.nodes.filter(n => n.name.startsWith('recompute/') && n.op === 'CumSum').length;
      return { loss: r.loss, values, segments: tr.trainer.spec.recompute.segments, scanCopies };
    };
    const plain = await run(false);
    const rec = await run(true);
    const recAll = await run(true, false);
    expect(rec.segments).toBeGreaterThan(2);
    // The scan regions' outputs are kept: no copy re-runs a scan forward (recomputing them does).
    expect(rec.scanCopies).toBe(0);
    expect(recAll.scanCopies).toBeGreaterThan(0);
    for (const r of [rec, recAll]) {
      expect(r.loss).toBe(plain.loss);
      let maxDiff = 0;
      for (const [name, v] of plain.values) v.forEach((a, i) => (maxDiff = Math.max(maxDiff, Math.abs(a - r.values.get(name)![i]))));
      expect(maxDiff).toBeLessThan(1e-12);
    }
  });

  it('is on by default for full fine-tuning, off for TPT (its frozen backbone keeps few activations)', () => {
    const cfg = models.demoConfig({ heads: [{ kind: 'cls', numClasses: 2 }] });
    const m = models.create(cfg, { seed: 4, mae: false }).withPrompts(3, 5);
    const segments = (mode: 'tpt' | 'full', recompute?: boolean) => buildTrainStep(m, { task: 'cls', mode, batch: 2, recompute }).step.recompute.segments;
    expect(segments('tpt')).toBe(0);
    expect(segments('tpt', true)).toBeGreaterThan(0);
    expect(segments('full')).toBeGreaterThan(0);
  });
});
