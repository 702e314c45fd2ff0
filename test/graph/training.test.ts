import * as G from '../../kernel/graph';
import { ParameterStore } from '../../kernel/runtime/param-store';
import { createRng, Rng } from '../../kernel/random';
import { Trainer } from '../../kernel/runtime/trainer';
import type { HostTensor } from '../../kernel/runtime/host-tensor';

const N = 64;

function mlp(name: string, inDim: number, hidden: number, outDim: number) {
  const g = new G.Graph(name);
  const x = g.input('x', [N, inDim]);
  const w1 = g.param('fc1.weight', [hidden, inDim]);
  const b1 = g.param('fc1.bias', [hidden]);
  const w2 = g.param('fc2.weight', [outDim, hidden]);
  const b2 = g.param('fc2.bias', [outDim]);
  const out = G.linear(G.tanh(G.linear(x, w1, b1)), w2, b2);
  return { g, x, out };
}

/** y = sin(2x0)·x1 + x0² (nonlinear regression), inputs in [-1, 1]. */
function regressionData(rng: Rng): { x: HostTensor; y: HostTensor } {
  const x = new Float32Array(N * 2);
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = Math.sin(2 * a) * b + a * a;
  }
  return { x: { data: x, shape: [N, 2] }, y: { data: y, shape: [N, 1] } };
}

/** Three classes by angle sector of a 2-D point (not linearly separable from one side). */
function classificationData(rng: Rng): { x: HostTensor; labels: HostTensor } {
  const x = new Float32Array(N * 2);
  const labels = new BigInt64Array(N);
  for (let i = 0; i < N; i++) {
    const r = rng.uniform(0.3, 1);
    const cls = i % 3;
    const angle = (cls * 2 * Math.PI) / 3 + rng.uniform(-0.8, 0.8);
    x[2 * i] = r * Math.cos(angle);
    x[2 * i + 1] = r * Math.sin(angle);
    labels[i] = BigInt(cls);
  }
  return { x: { data: x, shape: [N, 2] }, labels: { data: labels, shape: [N] } };
}

async function trainRegression(seed: number, steps: number): Promise<number[]> {
  const { g, out } = mlp('regression', 2, 32, 1);
  const y = g.input('y', [N, 1]);
  const spec = G.buildTrainingStep({ loss: G.mseLoss(out, y), optimizer: G.adamw({ weightDecay: 0 }) });
  const store = new ParameterStore().initialize(g, createRng(seed));
  // Two intra-op threads: onnxruntime's CPU kernels partition work statically, so runs repeat exactly.
  const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 2, cache: false });
  const data = regressionData(createRng(seed + 100));
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await trainer.step({ x: data.x, y: data.y }, 0.02)).loss);
  return losses;
}

describe('training an MLP on CPU', () => {
  test('learns a nonlinear regression, and the same seed gives identical losses', async () => {
    const a = await trainRegression(3, 300);
    const b = await trainRegression(3, 300);
    expect(b).toEqual(a);
    expect(a[a.length - 1]).toBeLessThan(0.05 * a[0]);
    expect(a[a.length - 1]).toBeLessThan(0.01);
  });

  test('learns a 3-class classification (accuracy from the logits output)', async () => {
    const { g, out } = mlp('classify', 2, 16, 3);
    const labels = g.input('labels', [N], 'int64');
    const spec = G.buildTrainingStep({
      loss: G.crossEntropy(out, labels),
      optimizer: G.sgd({ momentum: 0.9 }),
      clipGradNorm: 5,
      outputs: { logits: out }
    });
    const store = new ParameterStore().initialize(g, createRng(11));
    const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 1 });
    const data = classificationData(createRng(12));
    let first = NaN;
    let last = { loss: NaN, gradNorm: null as number | null, outputs: {} as Record<string, HostTensor> };
    for (let i = 0; i < 200; i++) {
      last = await trainer.step({ x: data.x, labels: data.labels }, 0.1);
      if (i === 0) first = last.loss;
    }
    expect(first).toBeGreaterThan(0.9); // ~ln 3 at initialisation
    expect(last.loss).toBeLessThan(0.15);
    expect(last.gradNorm).not.toBeNull();
    const logits = last.outputs.logits.data as Float32Array;
    let correct = 0;
    for (let i = 0; i < N; i++) {
      const row = Array.from(logits.subarray(3 * i, 3 * i + 3));
      if (row.indexOf(Math.max(...row)) === Number(data.labels.data[i])) correct++;
    }
    expect(correct / N).toBeGreaterThan(0.95);
    expect(store.step).toBe(200);
  });

  test('frozen parameters are fed but never updated', async () => {
    const g = new G.Graph('frozen');
    const x = g.input('x', [4, 3]);
    const w = g.param('backbone.weight', [2, 3], { trainable: false });
    const head = g.param('head.weight', [1, 2]);
    const loss = G.mean(G.square(G.linear(G.linear(x, w), head)));
    const spec = G.buildTrainingStep({ loss, optimizer: G.sgd() });
    expect(spec.trained.map(t => t.param.name)).toEqual(['head.weight']);
    const store = new ParameterStore().initialize(g, createRng(1));
    const before = Float32Array.from(store.get('backbone.weight').data as Float32Array);
    const headBefore = Float32Array.from(store.get('head.weight').data as Float32Array);
    const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 1 });
    await trainer.step({ x: { data: Float32Array.from({ length: 12 }, (_, i) => i / 12 - 0.5), shape: [4, 3] } }, 0.5);
    expect(store.get('backbone.weight').data).toEqual(before);
    expect(store.get('head.weight').data).not.toEqual(headBefore);
  });
});
