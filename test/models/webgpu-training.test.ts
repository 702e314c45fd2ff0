/**
 * Training steps on onnxruntime's WebGPU provider match the CPU provider: TPT (prompts + head) and
 * full fine-tuning of the tiny configuration, through `ns.train.trainer(model, { task, mode, batch })`.
 * Over several optimizer steps the losses and every updated parameter agree (1e-4 relative), and the
 * parameters really moved (the agreement is not two runs that did nothing). In CI this runs on
 * Mesa's lavapipe. Measured differences are printed as one JSON line.
 */
import * as models from '../../kernel/models';
import { adamw, Optimizer, sgd } from '../../kernel/graph/optimizers';
import { trainer } from '../../kernel/train/trainer';
import { describeWebgpu } from '../runtime/webgpu-gate';
import { fixtureDir, relMaxError } from './fixture-data';

const TOL = 1e-4;
const STEPS = 3;
/** lavapipe compiles every shader on the CPU, and CI runs test files in parallel on few cores. */
const TIMEOUT_MS = 900_000;
const measured: Record<string, Record<string, number>> = {};

interface Run {
  provider: string;
  losses: number[];
  before: Map<string, Float32Array>;
  after: Map<string, Float32Array>;
}

/**
 * TPT runs the default AdamW. Full fine-tuning compares parameters under SGD with momentum: AdamW's
 * first steps move each element by about lr·sign(gradient), so an element whose gradient is at float
 * rounding level flips by 2·lr between any two summation orders (two CPU thread counts too; measured
 * here up to 8e-4·max|p| on 8 of the full model's weights) — a property of Adam, not of the provider.
 * SGD's update is proportional to the gradient, so its parameters compare the gradients themselves.
 */
const SETUPS: Record<'tpt' | 'full', { optimizer: Optimizer; lr: number }> = {
  tpt: { optimizer: adamw({ weightDecay: 0.01 }), lr: 1e-3 },
  full: { optimizer: sgd({ momentum: 0.9 }), lr: 0.1 }
};

async function train(provider: 'cpu' | 'webgpu', mode: 'tpt' | 'full'): Promise<Run> {
  const { optimizer, lr } = SETUPS[mode];
  const model = await models.load(fixtureDir('tiny'), { session: { provider } });
  const t = await trainer(model, { task: 'cls', mode, batch: 2, optimizer });
  const names = t.trainer.spec.trained.map(p => p.param.name);
  const snapshot = () => new Map(names.map(n => [n, Float32Array.from(t.trainer.store.get(n).data as Float32Array)]));
  const before = snapshot();
  const x = models.fixtureInput(2, [48, 48, 48, 8]);
  const target = { data: Float32Array.from([1, 0]), shape: [2, 1] };
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) losses.push((await t.step(x, target, lr)).loss);
  return { provider: t.trainer.provider, losses, before, after: snapshot() };
}

describeWebgpu('training steps on webgpu match the cpu provider (tiny configuration)', () => {
  afterAll(() => console.log(`webgpu vs cpu training: ${JSON.stringify(measured)}`));

  it.each<'tpt' | 'full'>(['tpt', 'full'])('%s: losses and updated parameters over several steps', async mode => {
    const cpu = await train('cpu', mode);
    const gpu = await train('webgpu', mode);
    expect([cpu.provider, gpu.provider]).toEqual(['cpu', 'webgpu']);
    const m: Record<string, number> = (measured[mode] = {});
    expect(gpu.losses.every(Number.isFinite)).toBe(true);
    m.loss = Math.max(...cpu.losses.map((l, i) => Math.abs(gpu.losses[i] - l) / Math.abs(l)));
    expect(m.loss).toBeLessThanOrEqual(TOL);
    // The steps changed the model: the loss changed and parameters moved far beyond the tolerance.
    expect(Math.abs(cpu.losses[STEPS - 1] - cpu.losses[0])).toBeGreaterThan(10 * TOL * Math.abs(cpu.losses[0]));
    let worst = 0;
    let moved = 0;
    const bad: string[] = [];
    for (const [name, ref] of cpu.after) {
      const err = relMaxError(gpu.after.get(name)!, ref);
      worst = Math.max(worst, err);
      moved = Math.max(moved, relMaxError(ref, cpu.before.get(name)!));
      if (!(err <= TOL)) bad.push(`${name}: ${err}`);
    }
    m.params = worst;
    m.moved = moved;
    m.trained = cpu.after.size;
    expect(bad).toEqual([]);
    expect(moved).toBeGreaterThan(10 * TOL);
    if (mode === 'tpt') expect([...cpu.after.keys()].every(n => /prompt|^cls:/.test(n))).toBe(true);
  }, TIMEOUT_MS);
});
