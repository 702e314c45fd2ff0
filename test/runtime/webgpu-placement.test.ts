/**
 * Node placement on WebGPU for every model graph (tiny configuration): how many nodes run on the
 * WebGPU provider, and which fall back to the CPU. Every fallback (op and dtypes) must be one that
 * kernel/runtime/README.md explains; float64 graphs would run entirely on the CPU, so asking for
 * webgpu on one is refused. The table is printed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { toModelBytes } from '../../kernel/graph/serialize';
import { RuntimeProviderError } from '../../kernel/errors';
import { createSession } from '../../kernel/runtime/session';
import { placedNodes } from '../../kernel/runtime/placement';
import * as models from '../../kernel/models';
import { buildBackboneGraph, buildMaeGraph, BuiltGraph } from '../../kernel/models/graph/build';
import { buildTrainStep } from '../../kernel/train/trainer';
import { CPU_PROVIDER, formatPlacement, nodePlacement, PlacementReport } from '../../kernel/runtime/placement';
import { fixtureDir } from '../models/fixture-data';
import { describeWebgpu } from './webgpu-gate';

const WEBGPU = 'WebGpuExecutionProvider';
const README = fs.readFileSync(path.join(__dirname, '../../kernel/runtime/README.md'), 'utf8');

/** The `op(dtypes)` pairs the README's fallback table explains. */
function documentedFallbacks(): Set<string> {
  const rows = README.split('\n').filter(l => /^\| `[A-Za-z]+\([a-z0-9,]*\)`/.test(l));
  return new Set(rows.map(l => /^\| `([^`]+)`/.exec(l)![1]));
}

/** Forward graphs run with their parameters baked in, as NeuroStormModel sessions do. */
function baked(model: models.NeuroStormModel, built: BuiltGraph): { graph: BuiltGraph['graph']; initializers: Record<string, Float32Array> } {
  const values = model.parameterValues();
  const initializers: Record<string, Float32Array> = {};
  for (const name of built.params.names()) initializers[name] = values.get(name)!;
  return { graph: built.graph, initializers };
}

jest.setTimeout(600_000); // lavapipe compiles every shader on the CPU; CI runs test files in parallel

describeWebgpu('node placement on webgpu (tiny configuration)', () => {
  const reports: PlacementReport[] = [];
  let tiny: models.NeuroStormModel;
  let prompted: models.NeuroStormModel;
  beforeAll(async () => {
    tiny = await models.load(fixtureDir('tiny'));
    prompted = await models.load(fixtureDir('prompt-even'));
  });
  afterAll(() => console.log(`node placement on webgpu:\n${reports.map(formatPlacement).join('\n')}`));

  const expectOnWebgpu = (r: PlacementReport) => {
    reports.push(r);
    expect(r.requested).toBe('webgpu');
    expect(r.counts[WEBGPU] ?? 0).toBeGreaterThan(0);
    const documented = documentedFallbacks();
    const unexplained = r.fallbacks.map(f => `${f.op}(${f.inputTypes})`).filter(k => !documented.has(k));
    expect(unexplained).toEqual([]);
    // Nearly everything runs on the GPU: fallbacks are the exceptions the README lists.
    const cpu = r.fallbacks.reduce((a, f) => a + f.count, 0);
    expect(cpu).toBeLessThan(0.25 * r.nodes.length);
  };

  it('forward graphs: backbone without and with prompts, every head', async () => {
    const cfg = tiny.config;
    const heads = [...tiny.weights.heads.keys()];
    const frozen = baked(tiny, buildBackboneGraph(cfg, { batch: 2, prompts: false, heads }));
    expectOnWebgpu(await nodePlacement(frozen.graph, { provider: 'webgpu', initializers: frozen.initializers }));
    const pHeads = [...prompted.weights.heads.keys()];
    const pb = baked(prompted, buildBackboneGraph(prompted.config, { batch: 1, prompts: true, heads: pHeads }));
    expectOnWebgpu(await nodePlacement(pb.graph, { provider: 'webgpu', initializers: pb.initializers }));
  });

  it('MAE loss graph', async () => {
    const mae = baked(tiny, buildMaeGraph(tiny.config, { batch: 2 }));
    expectOnWebgpu(await nodePlacement(mae.graph, { provider: 'webgpu', initializers: mae.initializers }));
  });

  it('training steps: TPT and full', async () => {
    const tpt = buildTrainStep(tiny.withPrompts(4, 7), { task: 'cls', mode: 'tpt', batch: 2 });
    expectOnWebgpu(await nodePlacement(tpt.step.graph, { provider: 'webgpu' }));
    const full = buildTrainStep(tiny, { task: 'cls', mode: 'full', batch: 2 });
    expectOnWebgpu(await nodePlacement(full.step.graph, { provider: 'webgpu' }));
  });

  it('float64 graphs: onnxruntime would run every node on the CPU, so webgpu by name is refused', async () => {
    const f64 = buildBackboneGraph(tiny.config, { batch: 1, prompts: false, heads: ['cls'], dtype: 'float64' });
    // What onnxruntime itself does with the graph on webgpu (the reason for the rule): no node on WebGPU.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-f64-'));
    try {
      const s = await ort.InferenceSession.create(toModelBytes(f64.graph), {
        executionProviders: ['webgpu'],
        graphOptimizationLevel: 'disabled',
        enableProfiling: true,
        profileFilePrefix: path.join(dir, 'p'),
        logSeverityLevel: 3
      });
      const feeds: Record<string, ort.Tensor> = {};
      for (const t of [...f64.graph.inputs, ...f64.graph.params.map(p => p.tensor)]) {
        feeds[t.name] = new ort.Tensor('float64', new Float64Array(t.shape.reduce((a, b) => a * b, 1)), [...t.shape]);
      }
      await s.run(feeds);
      s.endProfiling();
      await s.release();
      const nodes = placedNodes(JSON.parse(fs.readFileSync(path.join(dir, fs.readdirSync(dir).find(f => f.endsWith('.json'))!), 'utf8')));
      expect(nodes.length).toBeGreaterThan(1000);
      expect(nodes.filter(n => n.provider === WEBGPU)).toEqual([]);
      console.log(`float64 backbone on webgpu (raw onnxruntime): ${nodes.length} nodes, all on ${CPU_PROVIDER}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Our sessions and the placement report refuse it rather than claim webgpu.
    await expect(nodePlacement(f64.graph, { provider: 'webgpu' })).rejects.toThrow(RuntimeProviderError);
    await expect(createSession(f64.graph, { provider: 'webgpu' })).rejects.toThrow(/holds float64 values, which the webgpu provider cannot run/);
    // On cpu the same graph runs, and says so.
    expect((await createSession(f64.graph, { provider: 'cpu', cache: false })).provider).toBe('cpu');
  });
});

describe('node placement report (any machine)', () => {
  it('reads every executed node from the profile; on cpu nothing counts as a fallback', async () => {
    const G = await import('../../kernel/graph');
    const g = new G.Graph('placement_cpu');
    const x = g.input('x', [2, 3]);
    const w = g.param('w', [3]);
    g.output('y', G.exp(G.mul(G.add(x, w), x)));
    const r = await nodePlacement(g, { provider: 'cpu', initializers: { w: Float32Array.from([1, 2, 3]) } });
    expect(r.nodes.map(n => n.op).sort()).toEqual(['Add', 'Exp', 'Mul']);
    expect(r.nodes.every(n => n.provider === CPU_PROVIDER && n.inputTypes.every(t => t === 'float'))).toBe(true);
    expect(r.counts).toEqual({ [CPU_PROVIDER]: 3 });
    expect(r.fallbacks).toEqual([]);
    expect(formatPlacement(r)).toBe('placement_cpu on cpu: 3 nodes (CPU 3; 0 memcpy)');
  });
});
