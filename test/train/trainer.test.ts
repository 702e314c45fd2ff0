import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { trainer } from '../../kernel/train/trainer';
import { fixtureDir, readOutput } from '../models/fixture-data';

const x = models.fixtureInput(2, [48, 48, 48, 8]);

describe('training steps on the engine', () => {
  it('TPT trains prompts and head only; the step loss is the BCE of the forward logits; loss decreases', async () => {
    const model = await models.load(fixtureDir('tiny'));
    const logits = readOutput('tiny', 'prompt_cls_out').data;
    const target = { data: Float32Array.from([1, 0]), shape: [2, 1] };
    const bce = [0, 1].map(i => Math.max(logits[i], 0) - logits[i] * target.data[i] + Math.log1p(Math.exp(-Math.abs(logits[i])))).reduce((a, b) => a + b) / 2;
    const before = model.parameterValues();
    const tr = await trainer(model, { task: 'cls', mode: 'tpt', batch: 2 });
    const trainedNames = tr.trainer.spec.trained.map(t => t.param.name).sort();
    expect(trainedNames.filter(n => n.endsWith('.prompt')).length).toBe(8);
    expect(trainedNames.filter(n => !n.endsWith('.prompt'))).toEqual(['cls:output_head.head.head.bias', 'cls:output_head.head.head.weight']);
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) losses.push((await tr.step(x, target, 5e-3)).loss);
    expect(Math.abs(losses[0] - bce) / bce).toBeLessThan(1e-5);
    expect(losses[3]).toBeLessThan(losses[0]);
    tr.commit();
    const after = model.parameterValues();
    expect(after.get('layers.0.blocks.0.mamba.A_log')).toEqual(before.get('layers.0.blocks.0.mamba.A_log'));
    expect(after.get('layers.1.blocks.1.prompt')).not.toEqual(before.get('layers.1.blocks.1.prompt'));
    // The committed model's inference reproduces the trainer's parameters: its loss is below the first.
    const out = await model.cls(x, { prompts: true });
    const l = [0, 1].map(i => Math.max(out.data[i], 0) - out.data[i] * target.data[i] + Math.log1p(Math.exp(-Math.abs(out.data[i])))).reduce((a, b) => a + b) / 2;
    expect(l).toBeLessThan(losses[0]);
  });

  it('full fine-tuning updates the backbone; MAE step loss equals the fixture loss with the given mask', async () => {
    const model = await models.load(fixtureDir('tiny'));
    const mae = await trainer(model, { task: 'mae', batch: 2 });
    const mask = readOutput('tiny', 'mae_mask');
    const first = await mae.step(x, mask, 1e-4);
    const ref = readOutput('tiny', 'mae_loss').data[0];
    expect(Math.abs(first.loss - ref) / ref).toBeLessThan(1e-4);
    expect(mae.trainer.spec.trained.some(t => t.param.name === 'layers_up.0.blocks.0.mamba.A_log')).toBe(true);
    const reg = await trainer(model, { task: 'reg', batch: 2, mode: 'full' });
    expect(reg.trainer.spec.trained.map(t => t.param.name)).toContain('patch_embed.fc.weight');
    const r1 = await reg.step(x, { data: Float32Array.from([0.5, -1]), shape: [2, 1] }, 1e-3);
    expect(Number.isFinite(r1.loss)).toBe(true);
    reg.commit();
    const moved = model.parameterValues().get('patch_embed.fc.weight')!;
    const orig = (await models.load(fixtureDir('tiny'))).parameterValues().get('patch_embed.fc.weight')!;
    expect(moved.some((v, i) => v !== orig[i])).toBe(true);
  });

  it('TPT from scratch: withPrompts adds official-init prompts to a prompt-less model', async () => {
    const model = await models.load(path.join(fixtureDir('tiny'), 'model.ckpt'));
    expect(model.hasPrompts).toBe(false);
    await expect(trainer(model, { task: 'cls', mode: 'tpt', batch: 2 })).rejects.toThrow(/TPT needs prompts/);
    const p = model.withPrompts(3, 1);
    const prompt = p.parameterValues().get('layers.2.blocks.0.prompt')!;
    expect(prompt.length).toBe(3 * 48);
    const std = Math.sqrt(prompt.reduce((a, v) => a + v * v, 0) / prompt.length);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(0.04);
    const y = (await p.forward(models.fixtureInput(1, [48, 48, 48, 8]), { prompts: true })).backbone;
    expect(y.shape).toEqual([1, 96, 1, 1, 1, 8]);
  });
});

describe('probe mode and optimizer state', () => {
  it('probe trains the head only; saved optimizer state continues a run exactly', async () => {
    const cfg = models.demoConfig({ heads: [{ kind: 'cls', numClasses: 2 }] });
    const xs = models.fixtureInput(2, cfg.imgSize);
    const target = { data: Float32Array.from([1, 0]), shape: [2, 1] };
    const probe = await trainer(models.create(cfg, { seed: 1, mae: false }), { task: 'cls', mode: 'probe', batch: 2 });
    expect(probe.trainer.spec.trained.map(t => t.param.name).sort()).toEqual(['cls:output_head.head.head.bias', 'cls:output_head.head.head.weight']);
    const counts = probe.parameterCounts();
    expect(counts.trainable).toBe(25); // [1, 24] weight + [1] bias on the 24-channel output
    expect(counts.total).toBeGreaterThan(1000);

    const a = models.create(cfg, { seed: 2, mae: false });
    const ta = await trainer(a, { task: 'cls', mode: 'full', batch: 2 });
    await ta.step(xs, target, 1e-3);
    await ta.step(xs, target, 1e-3);
    ta.commit();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-optstate-'));
    await models.save(a, path.join(dir, 'model'));
    await ta.saveOptimizerState(path.join(dir, 'optimizer.safetensors'));
    const third = await ta.step(xs, target, 1e-3);
    const b = await models.load(path.join(dir, 'model'));
    const tb = await trainer(b, { task: 'cls', mode: 'full', batch: 2 });
    await tb.loadOptimizerState(path.join(dir, 'optimizer.safetensors'));
    expect(tb.stepCount).toBe(2);
    const resumed = await tb.step(xs, target, 1e-3);
    expect(resumed.loss).toBe(third.loss);
    ta.commit();
    tb.commit();
    const va = a.parameterValues();
    for (const [k, v] of b.parameterValues()) expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(va.get(k)!.buffer, va.get(k)!.byteOffset, va.get(k)!.byteLength))).toBe(true);
  });
});
