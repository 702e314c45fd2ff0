/**
 * Training with the scan's custom backward equals training with generic autodiff through the chunk
 * nodes (the engine before the custom backward): three steps on the tiny fixture model in float32,
 * TPT (prompts + cls head, AdamW as the trainer's default) and full fine-tuning (every parameter, so
 * A_log, dt_proj, x_proj get their gradients through the scan; SGD, whose update is linear in the
 * gradient: AdamW's g/√v turns float32 rounding of near-zero gradient elements into O(lr) changes,
 * which would hide how closely the gradients agree). Losses and the parameters' changes agree to
 * float32 rounding.
 */
import * as models from '../../kernel/models';
import { withScanBackward, ScanBackward } from '../../kernel/models/selective-scan';
import { buildTrainStep, TrainMode } from '../../kernel/train/trainer';
import { ParameterStore } from '../../kernel/runtime/param-store';
import { Trainer } from '../../kernel/runtime/trainer';
import type { HostTensor } from '../../kernel/runtime/host-tensor';
import { sgd } from '../../kernel/graph/optimizers';
import { fixtureDir } from './fixture-data';

const x = models.fixtureInput(2, [48, 48, 48, 8]);
const target = { data: Float32Array.from([1, 0]), shape: [2, 1] };
const measured: Record<string, Record<string, number>> = {};
afterAll(() => console.log(`scan backward recurrence vs autodiff, tiny training: ${JSON.stringify(measured)}`));

async function train(model: models.NeuroStormModel, mode: TrainMode, backward: ScanBackward) {
  const optimizer = mode === 'full' ? sgd({}) : undefined;
  const { step, built } = withScanBackward(backward, () => buildTrainStep(model, { task: 'cls', mode, batch: 2, optimizer }));
  const values = model.parameterValues();
  const entries = built.params.names().map(name => [name, { data: values.get(name)!.slice(), shape: [...step.graph.paramInfo(name)!.tensor.shape] }] as [string, HostTensor]);
  const trainer = await Trainer.create(step, new ParameterStore(entries), { provider: 'cpu', threads: 2 });
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push((await trainer.step({ x, target }, mode === 'full' ? 0.05 : 2e-3)).loss);
  const params = new Map(trainer.spec.trained.map(t => [t.param.name, trainer.store.get(t.param.name).data as Float32Array]));
  return { losses, params, nodes: step.graph.nodes.length };
}

describe.each<TrainMode>(['tpt', 'full'])('tiny %s training', mode => {
  it('three steps: same losses and parameters with the recurrence backward as with generic autodiff', async () => {
    const model = await models.load(fixtureDir('tiny'));
    const ours = await train(model, mode, 'recurrence');
    const generic = await train(model, mode, 'autodiff');
    const m: Record<string, number> = (measured[mode] = { nodes_recurrence: ours.nodes, nodes_autodiff: generic.nodes });
    ours.losses.forEach((l, i) => {
      m[`loss${i}_rel`] = Math.abs(l - generic.losses[i]) / Math.abs(generic.losses[i]);
      expect(m[`loss${i}_rel`]).toBeLessThan(1e-5);
    });
    expect(ours.losses[2]).not.toBe(ours.losses[0]); // the steps do train
    expect([...ours.params.keys()].sort()).toEqual([...generic.params.keys()].sort());
    // Per parameter: max |ours − generic| beyond two float32 ulps of the parameter's scale (the
    // rounding of storing p − lr·g), relative to the largest change the three steps made to it.
    const initial = model.parameterValues();
    let worst = 0;
    for (const [name, a] of ours.params) {
      const b = generic.params.get(name)!;
      const p0 = initial.get(name)!;
      let err = 0;
      let change = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        err = Math.max(err, Math.abs(a[i] - b[i]));
        change = Math.max(change, Math.abs(b[i] - p0[i]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
      expect([name, change > 0]).toEqual([name, true]);
      worst = Math.max(worst, Math.max(0, err - 2 ** -22 * scale) / change);
    }
    m.param_change_rel = worst;
    expect(worst).toBeLessThan(1e-4);
  });
});
