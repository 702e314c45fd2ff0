import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as G from '../../kernel/graph';
import { WeightsError } from '../../kernel/errors';
import { ParameterStore } from '../../kernel/runtime/param-store';
import { createRng } from '../../kernel/random';
import { Trainer } from '../../kernel/runtime/trainer';

function model() {
  const g = new G.Graph('store');
  const x = g.input('x', [4, 3]);
  const y = g.input('y', [4, 1]);
  const out = G.linear(G.relu(G.linear(x, g.param('a.weight', [5, 3]), g.param('a.bias', [5]))), g.param('b.weight', [1, 5]));
  const spec = G.buildTrainingStep({ loss: G.mseLoss(out, y), optimizer: G.adamw() });
  return { g, spec };
}

const feeds = {
  x: { data: Float32Array.from({ length: 12 }, (_, i) => Math.cos(i)), shape: [4, 3] },
  y: { data: Float32Array.from([1, -1, 0.5, 0]), shape: [4, 1] }
};

describe('parameter store', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-store-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('save + load resumes training exactly (params, optimizer state, step count)', async () => {
    const { g, spec } = model();
    const store = new ParameterStore().initialize(g, createRng(5));
    const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 1 });
    for (let i = 0; i < 3; i++) await trainer.step(feeds, 0.01);
    const file = path.join(dir, 'params.safetensors');
    await store.save(file);
    expect(fs.readdirSync(dir)).toEqual(['params.safetensors']); // atomic: no temp file left

    const loaded = await ParameterStore.load(file, { graph: g, step: spec });
    expect(loaded.step).toBe(3);
    expect(loaded.names().sort()).toEqual(store.names().sort());
    const continued = await (await Trainer.create(spec, loaded, { provider: 'cpu', threads: 1 })).step(feeds, 0.01);
    const original = await trainer.step(feeds, 0.01);
    expect(continued.loss).toBe(original.loss);
    expect(loaded.get('a.weight').data).toEqual(store.get('a.weight').data);
  });

  test('refuses truncated files and files that do not fit the graph', async () => {
    const { g, spec } = model();
    const store = new ParameterStore().initialize(g, createRng(5)).initializeOptimizerState(spec);
    const file = path.join(dir, 'p.safetensors');
    await store.save(file);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(path.join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 10));
    await expect(ParameterStore.load(path.join(dir, 'cut.safetensors'))).rejects.toThrow(WeightsError);
    await expect(ParameterStore.load(path.join(dir, 'cut.safetensors'))).rejects.toThrow(/cut\.safetensors.*data section/);

    const other = new G.Graph('other');
    other.param('a.weight', [5, 4]);
    other.param('c.bias', [2]);
    const err = ParameterStore.load(file, { graph: other });
    await expect(err).rejects.toThrow(/"a\.weight" is float32\[5,3\], expected float32\[5,4\]/);
    await expect(ParameterStore.load(file, { graph: other })).rejects.toThrow(/"c\.bias" is missing/);

    const partial = new ParameterStore(store.entries().filter(([n]) => n !== G.TRAINING_NAMES.state('a.bias', 'exp_avg')));
    await partial.save(path.join(dir, 'partial.safetensors'));
    await expect(ParameterStore.load(path.join(dir, 'partial.safetensors'), { graph: g, step: spec })).rejects.toThrow(/optimizer state is incomplete/);
  });

  test('initialisation is seeded: same seed, same values; torch-like bounds', () => {
    const { g } = model();
    const a = new ParameterStore().initialize(g, createRng(9));
    const b = new ParameterStore().initialize(g, createRng(9));
    const c = new ParameterStore().initialize(g, createRng(10));
    expect(a.get('a.weight').data).toEqual(b.get('a.weight').data);
    expect(a.get('a.weight').data).not.toEqual(c.get('a.weight').data);
    const w = a.get('a.weight').data as Float32Array;
    expect(Math.max(...Array.from(w, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(3));
  });
});

describe('trainer and store together', () => {
  test('an inference graph sharing parameter names runs from the trained store', async () => {
    const { g, spec } = model();
    const store = new ParameterStore().initialize(g, createRng(2));
    const trainer = await Trainer.create(spec, store, { provider: 'cpu', threads: 1 });
    const before = (await trainer.step(feeds, 0.05)).loss;
    for (let i = 0; i < 20; i++) await trainer.step(feeds, 0.05);
    const after = (await trainer.step(feeds, 0)).loss;
    expect(after).toBeLessThan(before);

    const infer = new G.Graph('infer');
    const x = infer.input('x', [4, 3]);
    const w = (n: string, shape: number[]) => infer.param(n, shape);
    infer.output('pred', G.linear(G.relu(G.linear(x, w('a.weight', [5, 3]), w('a.bias', [5]))), w('b.weight', [1, 5])));
    const { runGraph } = await import('../../kernel/runtime/session');
    const out = await runGraph(infer, { x: feeds.x, ...store.feedsFor(infer) }, { provider: 'cpu', threads: 1 });
    const pred = Array.from(out.pred.data as Float32Array);
    const mse = pred.reduce((a, p, i) => a + (p - (feeds.y.data as Float32Array)[i]) ** 2, 0) / 4;
    expect(mse).toBeCloseTo(after, 5);
  });

  test('parameters the loss does not reach get no update and no state', () => {
    const g = new G.Graph('unreached');
    const x = g.input('x', [2]);
    const used = g.param('used', [2]);
    g.param('unused', [2]);
    const spec = G.buildTrainingStep({ loss: G.sum(G.mul(x, used)), optimizer: G.adamw() });
    expect(spec.trained.map(t => t.param.name)).toEqual(['used']);
    expect(spec.fixed.map(t => t.name)).toEqual(['unused']);
    expect([...g.outputs.keys()]).toEqual(['loss', 'next/used', 'next/optim/used/exp_avg', 'next/optim/used/exp_avg_sq']);
  });
});
