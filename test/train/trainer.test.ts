import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { fixtureDir, readOutput } from './fixture-data';

const x = models.fixtureInput(2, [48, 48, 48, 8]);

describe('training steps on the engine', () => {
  it('TPT trains prompts and head only; the step loss is the BCE of the forward logits; loss decreases', async () => {
    const model = await models.load(fixtureDir('tiny'));
    const logits = readOutput('tiny', 'prompt_cls_out').data;
    const target = { data: Float32Array.from([1, 0]), shape: [2, 1] };
    const bce = [0, 1].map(i => Math.max(logits[i], 0) - logits[i] * target.data[i] + Math.log1p(Math.exp(-Math.abs(logits[i])))).reduce((a, b) => a + b) / 2;
    const before = model.parameterValues();
    const tr = await model.trainer({ task: 'cls', mode: 'tpt', batch: 2 });
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
    const mae = await model.trainer({ task: 'mae', batch: 2 });
    const mask = readOutput('tiny', 'mae_mask');
    const first = await mae.step(x, mask, 1e-4);
    const ref = readOutput('tiny', 'mae_loss').data[0];
    expect(Math.abs(first.loss - ref) / ref).toBeLessThan(1e-4);
    expect(mae.trainer.spec.trained.some(t => t.param.name === 'layers_up.0.blocks.0.mamba.A_log')).toBe(true);
    const reg = await model.trainer({ task: 'reg', batch: 2, mode: 'full' });
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
    await expect(model.trainer({ task: 'cls', mode: 'tpt', batch: 2 })).rejects.toThrow(/TPT needs prompts/);
    const p = model.withPrompts(3, 1);
    const prompt = p.parameterValues().get('layers.2.blocks.0.prompt')!;
    expect(prompt.length).toBe(3 * 48);
    const std = Math.sqrt(prompt.reduce((a, v) => a + v * v, 0) / prompt.length);
    expect(std).toBeGreaterThan(0.01);
    expect(std).toBeLessThan(0.04);
    const y = await p.promptBackbone(models.fixtureInput(1, [48, 48, 48, 8]));
    expect(y.shape).toEqual([1, 96, 1, 1, 1, 8]);
  });
});

describe('save, export and create', () => {
  it('save → load round-trips bit-exactly and reproduces the fixture outputs', async () => {
    const model = await models.load(fixtureDir('tiny'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-save-'));
    const files = await models.save(model, dir, 'tiny-copy');
    expect(files.map(f => path.basename(f)).sort()).toEqual(['config.json', 'head_cls.safetensors', 'head_reg.safetensors', 'mae_weights.safetensors', 'prompts.safetensors', 'weights.safetensors']);
    const back = await models.load(dir);
    expect(back.config).toEqual(model.config);
    const a = model.parameterValues();
    for (const [k, v] of back.parameterValues()) expect(Buffer.from(v.buffer).equals(Buffer.from(a.get(k)!.buffer))).toBe(true);
    expect(back.parameterValues().size).toBe(a.size);
  });

  it('export writes an ONNX file that onnx.checker accepts and onnxruntime runs to the same output', async () => {
    const model = await models.load(fixtureDir('tiny'));
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-export-')), 'tiny.onnx');
    await models.export(model, file, { batch: 2, heads: ['cls'] });
    const { spawnSync } = await import('child_process');
    const r = spawnSync('/usr/bin/python3', ['-c', `import onnx; m = onnx.load(${JSON.stringify(file)}); onnx.checker.check_model(m); print(len(m.graph.initializer), [i.name for i in m.graph.input])`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\['x'\]/);
    const ort = await import('onnxruntime-node');
    const s = await ort.InferenceSession.create(file);
    const out = await s.run({ x: new ort.Tensor('float32', x.data, x.shape) });
    const ref = readOutput('tiny', 'cls_out').data;
    const y = out.cls.data as Float32Array;
    expect(Math.max(...[0, 1].map(i => Math.abs(y[i] - ref[i])))).toBeLessThan(1e-5);
  });

  it('create() initialises any configuration with the official init and runs it', async () => {
    const cfg = models.demoConfig({ heads: [{ kind: 'cls', numClasses: 3 }], promptLen: 2 });
    const m = models.create(cfg, { seed: 3 });
    const v = m.parameterValues();
    expect(Array.from(v.get('layers.0.blocks.0.mamba.A_log')!.slice(0, 17))).toEqual([...Array.from({ length: 16 }, (_, i) => Math.fround(Math.log(i + 1))), 0]);
    expect(v.get('layers.1.blocks.1.mamba.D')!.every(d => d === 1)).toBe(true);
    expect(v.get('layers.0.blocks.0.norm1.weight')!.every(d => d === 1)).toBe(true);
    const dtb = v.get('layers.0.blocks.0.mamba.dt_proj.bias')!;
    const dt = Array.from(dtb).map(b => Math.log1p(Math.exp(b)));
    expect(Math.min(...dt)).toBeGreaterThanOrEqual(1e-4 * 0.999);
    expect(Math.max(...dt)).toBeLessThanOrEqual(0.1 * 1.001);
    const logits = await m.cls(models.fixtureInput(1, cfg.imgSize), { prompts: true });
    expect(logits.shape).toEqual([1, 3]);
    expect(Array.from(logits.data).every(Number.isFinite)).toBe(true);
    // Embedding head (EmbHead): fc1 → BatchNorm1d (running stats) → L2-normalised rows.
    const e = models.create({ ...cfg, heads: [{ kind: 'emb', embeddingSize: 16 }] }, { seed: 4 });
    const emb = await e.embed(models.fixtureInput(2, cfg.imgSize));
    expect(emb.shape).toEqual([2, 16]);
    for (let b = 0; b < 2; b++) expect(Math.hypot(...emb.data.subarray(b * 16, (b + 1) * 16))).toBeCloseTo(1, 5);
    await expect(e.cls(models.fixtureInput(1, cfg.imgSize))).rejects.toThrow(/no cls head is loaded/);
    await expect(e.backbone({ data: new Float32Array(10), shape: [1, 1, 24, 24, 24, 4] })).rejects.toThrow(/has 10 values/);
    await expect(e.backbone(models.fixtureInput(1, [24, 24, 24, 5]))).rejects.toThrow(/T ≤ 4/);
  });
});
