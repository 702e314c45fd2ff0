import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { loadWeights } from '../../kernel/models/weights/load';
import { readTorchFile } from '../../kernel/models/weights/torch-file';
import { readSafetensors, writeSafetensors, StoredTensor } from '../../kernel/runtime/safetensors';
import { configFromJson } from '../../kernel/models/config-json';
import { WeightsError } from '../../kernel/errors';
import { fixtureDir } from './fixture-data';

const TINY = fixtureDir('tiny');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ns-models-'));

function py(script: string): string {
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe('weights import', () => {
  it('loads a fixture folder: backbone + prompts + heads + MAE with official names', async () => {
    const w = await loadWeights(TINY);
    const cfgJson = JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8'));
    expect(w.config.promptLen).toBe(cfgJson.prompt_len);
    expect(w.backbone.size).toBe(157 - 2 + 8); // ckpt has 157 = backbone + 2 head keys; + 8 prompts
    const params = [...w.backbone].filter(([k]) => !k.endsWith('.prompt')).reduce((a, [, v]) => a + v.data.length, 0);
    expect(params).toBe(cfgJson.derived.backbone_param_count);
    expect(w.backbone.get('layers.0.blocks.1.prompt')?.shape).toEqual([1, 4, 12]);
    expect([...w.heads.keys()].sort()).toEqual(['cls', 'reg']);
    expect(w.mae?.get('window_mask_token')?.shape).toEqual([256, 12]);
    expect(w.mae?.get('layers_up.0.upsample.expand.weight')?.shape).toEqual([192, 48]);
  });

  it('reads tiny/model.ckpt through the restricted unpickler, equal to the safetensors and to torch.load', async () => {
    const ck = await readTorchFile(path.join(TINY, 'model.ckpt'));
    expect(ck.topLevelKeys.sort()).toEqual(['callbacks', 'epoch', 'hparams_name', 'hyper_parameters', 'loops', 'lr_schedulers', 'optimizer_states', 'state_dict']);
    expect(ck.hyperParameters).toMatchObject({ embed_dim: 12, first_window_size: [3, 3, 3, 3], last_layer_full_MSA: true, num_classes: 2 });
    const st = (await readSafetensors(path.join(TINY, 'weights.safetensors'))).tensors;
    for (const [k, t] of st) {
      const c = ck.tensors.get(`model.${k}`)!;
      expect(c.shape).toEqual(t.shape);
      expect(Buffer.from((c.data as Float32Array).buffer).equals(Buffer.from((t.data as Float32Array).buffer))).toBe(true);
    }
    const w = await loadWeights(path.join(TINY, 'model.ckpt'));
    const folderCfg = configFromJson(JSON.parse(fs.readFileSync(path.join(TINY, 'config.json'), 'utf8')));
    expect({ ...w.config, heads: [], mae: null }).toEqual({ ...folderCfg, promptLen: 0, heads: [], mae: null });
    expect(w.heads.get('cls')?.get('output_head.head.head.weight')?.shape).toEqual([1, 96]);
    expect(w.mae).toBeNull();
    // An independent reader: torch.load on the same file.
    const ref = JSON.parse(py(`
import torch, json
sd = torch.load(${JSON.stringify(path.join(TINY, 'model.ckpt'))}, map_location='cpu')['state_dict']
t = sd['model.layers.2.blocks.1.mamba.x_proj.weight']
print(json.dumps([float(t.sum()), float(t[3, 5]), list(t.shape)]))`));
    const x = w.backbone.get('layers.2.blocks.1.mamba.x_proj.weight')!;
    expect(x.shape).toEqual(ref[2]);
    expect(x.data[3 * 96 + 5]).toBe(ref[1]);
    expect(x.data.reduce((a, b) => a + b, 0)).toBeCloseTo(ref[0], 3);
  });

  it('gathers non-contiguous and offset tensors of a bare .pth state dict', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sd.pth');
    py(`
import torch
base = torch.arange(60, dtype=torch.float32).reshape(5, 12)
torch.save({'t': base.t(), 'o': base[2, 3:9], 'd': torch.arange(4, dtype=torch.float64), 'i': torch.tensor([7, -3])}, ${JSON.stringify(file)})`);
    const ck = await readTorchFile(file);
    const t = ck.tensors.get('t')!;
    expect(t.shape).toEqual([12, 5]);
    expect(Array.from(t.data as Float32Array).slice(0, 6)).toEqual([0, 12, 24, 36, 48, 1]);
    expect(Array.from(ck.tensors.get('o')!.data as Float32Array)).toEqual([27, 28, 29, 30, 31, 32]);
    expect(ck.tensors.get('d')!.dtype).toBe('F64');
    expect(Array.from(ck.tensors.get('i')!.data as BigInt64Array)).toEqual([7n, -3n]);
    expect(ck.hyperParameters).toBeNull();
    await expect(loadWeights(file)).rejects.toThrow(/no hyper_parameters/);
  });

  it('reads a Lightning-style checkpoint whose hyper_parameters are an AttributeDict (as real ones are)', async () => {
    const dir = tmp();
    const file = path.join(dir, 'real.ckpt');
    fs.mkdirSync(path.join(dir, 'pytorch_lightning', 'utilities'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pytorch_lightning', '__init__.py'), '');
    fs.writeFileSync(path.join(dir, 'pytorch_lightning', 'utilities', '__init__.py'), '');
    fs.writeFileSync(path.join(dir, 'pytorch_lightning', 'utilities', 'parsing.py'), 'class AttributeDict(dict):\n    pass\n');
    py(`
import sys, collections, torch
sys.path.insert(0, ${JSON.stringify(dir)})
from pytorch_lightning.utilities.parsing import AttributeDict
src = torch.load(${JSON.stringify(path.join(TINY, 'model.ckpt'))}, map_location='cpu')
hp = AttributeDict(src['hyper_parameters']); hp['downstream_task_type'] = 'regression'
sd = collections.OrderedDict((k, v) for k, v in src['state_dict'].items())
sd['output_head.head.norm.weight'] = torch.ones(96)  # pre-741ac37 leftover, dropped on load
torch.save({'epoch': 3, 'global_step': 10, 'state_dict': sd, 'hyper_parameters': hp,
            'callbacks': {'ModelCheckpoint': {'best_model_score': torch.tensor(0.5), 'best_model_path': 'x.ckpt'}},
            'optimizer_states': [{'state': {0: {'step': torch.tensor(3.0), 'exp_avg': torch.zeros(2)}}, 'param_groups': [{'lr': 1e-3, 'betas': (0.9, 0.999)}]}]},
           ${JSON.stringify(file)})`);
    const w = await loadWeights(file);
    expect([...w.heads.keys()]).toEqual(['reg']);
    expect(w.heads.get('reg')?.has('output_head.head.norm.weight')).toBe(false);
    expect(w.config.embedDim).toBe(12);
  });

  it('refuses a pickle that names a non-allowlisted global, without running it', async () => {
    const dir = tmp();
    const marker = path.join(dir, 'pwned');
    const file = path.join(dir, 'evil.ckpt');
    py(`
import pickle, zipfile, os
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ${marker}',))
with zipfile.ZipFile(${JSON.stringify(file)}, 'w') as z:
    z.writestr('archive/data.pkl', pickle.dumps({'state_dict': Evil()}, protocol=2))`);
    const err = await loadWeights(file).catch(e => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toMatch(/global "posix\.system".*not on the allowlist/);
    expect(err.message).toContain(file);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('reports every missing key, unexpected key and shape mismatch in one error', async () => {
    const dir = tmp();
    fs.copyFileSync(path.join(TINY, 'config.json'), path.join(dir, 'config.json'));
    const st = (await readSafetensors(path.join(TINY, 'weights.safetensors'))).tensors;
    const bad = new Map<string, StoredTensor>(st);
    bad.delete('layers.1.blocks.0.mamba.D');
    bad.set('layers.9.extra', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    bad.set('patch_embed.fc.bias', { dtype: 'F32', shape: [13], data: new Float32Array(13) });
    await writeSafetensors(path.join(dir, 'weights.safetensors'), bad);
    const err = await loadWeights(dir).catch(e => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toMatch(/1 missing: layers\.1\.blocks\.0\.mamba\.D/);
    expect(err.message).toMatch(/1 unexpected: layers\.9\.extra/);
    expect(err.message).toMatch(/patch_embed\.fc\.bias: expected \[12\], found \[13\]/);
  });

  it('refuses truncated checkpoints and folders without config', async () => {
    const dir = tmp();
    const bytes = fs.readFileSync(path.join(TINY, 'model.ckpt'));
    fs.writeFileSync(path.join(dir, 'cut.ckpt'), bytes.subarray(0, bytes.length - 100));
    await expect(loadWeights(path.join(dir, 'cut.ckpt'))).rejects.toThrow(WeightsError);
    fs.writeFileSync(path.join(dir, 'old.pth'), Buffer.from([0x80, 0x02, 0x8a, 0x0a]));
    await expect(loadWeights(path.join(dir, 'old.pth'))).rejects.toThrow(/legacy/);
    const d2 = tmp();
    fs.copyFileSync(path.join(TINY, 'weights.safetensors'), path.join(d2, 'weights.safetensors'));
    await expect(loadWeights(d2)).rejects.toThrow(/no config\.json/);
  });
});
