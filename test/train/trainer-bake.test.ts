/**
 * Frozen parameters baked into the training session (runtime/trainer.ts, `bakeFrozen`, opt-in since
 * it measured no gain, issue 18): a baked TPT step feeds only what it trains, and takes the same steps
 * as the default trainer, which feeds every parameter.
 */
import * as models from '../../kernel/models';
import { ParameterStore } from '../../kernel/runtime/param-store';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { Trainer } from '../../kernel/runtime/trainer';
import { buildTrainStep, trainer } from '../../kernel/train/trainer';
import { fixtureDir } from '../models/fixture-data';

const SESSION = { provider: 'cpu' as const, threads: 2 };
const x = models.fixtureInput(2, [48, 48, 48, 8]);
const target = { data: Float32Array.from([1, 0]), shape: [2, 1] };
const LR = 5e-3;

/** The step graph of `mode` and a store of copies of the model's values, for Trainer.create. */
function bakeable(model: models.NeuroStormModel, mode: 'tpt' | 'probe') {
  const { step, built } = buildTrainStep(model, { task: 'cls', mode, batch: 2 });
  const values = model.parameterValues();
  const store = new ParameterStore(built.params.names().map(n => [n, { data: (values.get(n) as Float32Array).slice(), shape: [...step.graph.paramInfo(n)!.tensor.shape] }] as [string, HostTensor]));
  return { step, store };
}

describe('frozen parameters baked into the training session', () => {
  it('a baked TPT trainer feeds no frozen parameter, and its 3 steps equal those of the default trainer (every parameter fed)', async () => {
    const model = await models.load(fixtureDir('tiny'), { session: SESSION });
    // The public path: ns.train.trainer feeds every parameter (bakeFrozen defaults to false).
    const tr = await trainer(model, { task: 'cls', mode: 'tpt', batch: 2 });
    const spec = tr.trainer.spec;
    const trained = new Set(spec.trained.map(t => t.param.name));
    const frozen = spec.graph.params.map(p => p.tensor.name).filter(n => !trained.has(n));
    expect(frozen.length).toBeGreaterThan(50);
    expect(frozen).toContain('layers.0.blocks.0.mamba.A_log');
    expect(tr.trainer.bakedNames).toEqual([]);
    const fedInputs = new Set(tr.trainer.session.inputs.map(s => s.name));
    for (const n of frozen) expect(fedInputs.has(n)).toBe(true);

    // The same step graph with the frozen backbone baked into the session.
    const { step, store } = bakeable(model, 'tpt');
    const baked = await Trainer.create(step, store, { ...SESSION, bakeFrozen: true });
    expect(baked.bakedNames.sort()).toEqual([...frozen].sort());
    const inputs = new Set(baked.session.inputs.map(s => s.name));
    expect(frozen.filter(n => inputs.has(n))).toEqual([]);
    for (const n of trained) expect(inputs.has(n)).toBe(true);
    // The store still holds the frozen values (parameter counts read every parameter's size).
    expect(tr.parameterCounts().total).toBeGreaterThan(tr.parameterCounts().trainable * 10);

    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 3; i++) {
      a.push((await baked.step({ x, target }, LR)).loss);
      b.push((await tr.step(x, target, LR)).loss);
    }
    expect(a[2]).toBeLessThan(a[0]);
    for (let i = 0; i < 3; i++) expect(Math.abs(a[i] - b[i]) / Math.abs(b[i])).toBeLessThan(1e-6);
    // The trained values after 3 steps agree too (float32 sums may differ in the last bits).
    for (const n of trained) {
      const p = baked.store.get(n).data as Float32Array;
      const q = tr.trainer.store.get(n).data as Float32Array;
      let scale = 0;
      let diff = 0;
      for (let i = 0; i < p.length; i++) {
        scale = Math.max(scale, Math.abs(q[i]));
        diff = Math.max(diff, Math.abs(p[i] - q[i]));
      }
      expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(scale, 1e-3));
    }
  });

  it('a frozen value replaced in the store after a baked trainer was created is refused, not silently ignored', async () => {
    const model = await models.load(fixtureDir('tiny'), { session: SESSION });
    const { step, store } = bakeable(model, 'probe');
    const baked = await Trainer.create(step, store, { ...SESSION, bakeFrozen: true });
    const name = 'layers.0.blocks.0.mamba.A_log';
    expect(baked.bakedNames).toContain(name);
    const old = store.get(name);
    store.set(name, { data: (old.data as Float32Array).map(v => v + 1), shape: old.shape });
    await expect(baked.step({ x, target }, LR)).rejects.toThrow(/frozen parameter "layers\.0\.blocks\.0\.mamba\.A_log" was replaced/);
  });
});
