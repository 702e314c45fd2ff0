import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { fixtureDir, readOutput } from './fixture-data';

const x = models.fixtureInput(2, [48, 48, 48, 8]);

describe('save, export and create', () => {
  it('save → load round-trips bit-exactly and reproduces the fixture outputs', async () => {
    const model = await models.load(fixtureDir('tiny'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-save-'));
    const files = await models.save(model, dir, 'tiny-copy');
    expect(files.map(f => path.basename(f)).sort()).toEqual(['config.json', 'head_cls.safetensors', 'head_reg.safetensors', 'mae_weights.safetensors', 'manifest.json', 'prompts.safetensors', 'weights.safetensors']);
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
    const ref = readOutput('tiny', 'prompt_cls_out').data; // the tiny folder is prompt-tuned: export runs its prompts
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
