/**
 * Issue 14, item 2: a model folder is replaced as a whole and `load` refuses a folder whose files
 * disagree. Saving a smaller model over a bigger one leaves none of the old files; a disk-full in
 * the middle of a save keeps the old model loadable, bit for bit; hand-mixed folders are refused.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { DiskFullError, UsageError, WeightsError } from '../../kernel/errors';
import { withDiskQuota } from '../io/disk-full';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ns-model-folder-'));

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map(n => [n, fs.readFileSync(path.join(dir, n)).toString('base64')]));
}

function sameParameters(a: models.NeuroStormModel, b: models.NeuroStormModel): boolean {
  const va = a.parameterValues();
  const vb = b.parameterValues();
  if (va.size !== vb.size) return false;
  for (const [k, v] of va) {
    const w = vb.get(k);
    if (!w || !Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(w.buffer, w.byteOffset, w.byteLength))) return false;
  }
  return true;
}

// A: prompts, two heads and MAE weights. B: none of them, another seed.
const modelA = () => models.create(models.demoConfig({ promptLen: 2, heads: [{ kind: 'cls', numClasses: 2 }, { kind: 'reg' }] }), { seed: 1, mae: true });
const modelB = () => models.create(models.demoConfig({ heads: [{ kind: 'emb', embeddingSize: 16 }] }), { seed: 2, mae: false });

describe('model folders are replaced whole (issue 14)', () => {
  it('saving B over A leaves exactly B: no old prompts, heads or MAE weights', async () => {
    const dir = path.join(tmp(), 'model');
    const a = modelA();
    await models.save(a, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'head_cls.safetensors', 'head_reg.safetensors', 'mae_weights.safetensors', 'manifest.json', 'prompts.safetensors', 'weights.safetensors']);
    const b = modelB();
    const written = await models.save(b, dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'head_emb.safetensors', 'manifest.json', 'weights.safetensors']);
    expect(written.map(f => path.basename(f)).sort()).toEqual(fs.readdirSync(dir).sort());
    const back = await models.load(dir);
    expect(back.config.promptLen).toBe(0);
    expect([...back.weights.heads.keys()]).toEqual(['emb']);
    expect(back.weights.mae).toBeNull();
    expect(sameParameters(back, b)).toBe(true);
    // Nothing but the model folder in the parent (no temp or aside folders).
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['model']);
  });

  it('a disk-full in the middle of saving B keeps A whole and loadable; the error names the file', async () => {
    const dir = path.join(tmp(), 'model');
    const a = modelA();
    await models.save(a, dir);
    const before = snapshot(dir);
    const aBytes = Object.values(before).reduce((n, b) => n + Buffer.from(b, 'base64').length, 0);
    let error: unknown;
    await withDiskQuota(Math.floor(aBytes / 3), () => models.save(modelA(), dir).catch(err => { error = err; }));
    expect(error).toBeInstanceOf(DiskFullError);
    const e = error as DiskFullError;
    expect(e.code).toBe('E_DISK_FULL');
    expect(e.message).toMatch(/the disk is full: could not write \w+\.safetensors/);
    // Named where it was going to be (not the temp folder it was being built in).
    expect(path.dirname(e.file as string)).toBe(dir);
    expect(e.file).toMatch(/\.safetensors$/);
    expect(snapshot(dir)).toEqual(before);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['model']);
    expect(sameParameters(await models.load(dir), a)).toBe(true);
  });

  it('load refuses a folder whose files were mixed by hand, with or without the manifest', async () => {
    const root = tmp();
    const dirA = path.join(root, 'a');
    const dirB = path.join(root, 'b');
    await models.save(modelA(), dirA);
    await models.save(modelB(), dirB);
    fs.copyFileSync(path.join(dirA, 'prompts.safetensors'), path.join(dirB, 'prompts.safetensors'));
    await expect(models.load(dirB)).rejects.toThrow(/prompts\.safetensors was not saved with this model/);
    // Without the manifest, config.json (prompt_len 0) still contradicts the prompt tensors.
    fs.rmSync(path.join(dirB, 'manifest.json'));
    const err = await models.load(dirB).catch(e => e);
    expect(err).toBeInstanceOf(WeightsError);
    expect(err.message).toMatch(/prompt_len 0 but the prompt tensors give 2/);
    expect(err.file).toBe(dirB);
    // A changed file under a manifest.
    fs.appendFileSync(path.join(dirA, 'config.json'), ' ');
    await expect(models.load(dirA)).rejects.toThrow(/config\.json has changed size/);
  });

  it('refuses to replace a folder holding anything else (a project folder given by mistake)', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await expect(models.save(modelB(), dir)).rejects.toThrow(UsageError);
    expect(fs.readdirSync(dir)).toEqual(['notes.txt']);
  });
});
