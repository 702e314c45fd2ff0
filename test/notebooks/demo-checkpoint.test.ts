/**
 * The shipped demo model (kernel/models/demo/): `load("demo")` finds it from any working folder,
 * it is the CPU configuration with float16 backbone weights that its manifest fingerprints, it says
 * it is not the official weights, and its generator writes the same bytes when run twice (checked on
 * a smaller setting than the shipped one; the float16 rounding is checked against numpy).
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as models from '../../kernel/models';
import { readSafetensors } from '../../kernel/runtime/safetensors';
import { WeightsError } from '../../kernel/errors';
import { DEMO_SETTINGS, GENERATED_FILES, makeDemoCheckpoint, toHalfBits } from './make-demo-checkpoint';

jest.setTimeout(900_000);

const DEMO = path.resolve(__dirname, '..', '..', 'kernel', 'models', 'demo');
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function inFolder<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const before = process.cwd();
  process.chdir(dir);
  return f().finally(() => process.chdir(before));
}

test('load("demo") finds the shipped CPU-configuration model from any working folder', async () => {
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-demo-cwd-'));
  const model = await inFolder(elsewhere, () => models.load('demo'));
  expect(models.demoModelFolder()).toBe(DEMO);
  const cpu = models.cpuConfig();
  for (const k of ['imgSize', 'embedDim', 'depths', 'numHeads', 'windowSize', 'firstWindowSize', 'patchSize'] as const) expect(model.config[k]).toEqual(cpu[k]);
  expect(model.hasPrompts).toBe(false);
  expect(model.weights.heads.size).toBe(0);
  // The file holds float16; the loaded float32 values are exactly the decoded halves.
  const file = await readSafetensors(path.join(DEMO, 'weights.safetensors'));
  const [name, stored] = [...file.tensors.entries()].find(([k]) => k.endsWith('mlp.linear1.weight')) as [string, { dtype: string; data: Uint16Array }];
  expect(stored.dtype).toBe('F16');
  const loaded = model.weights.backbone.get(name)?.data as Float32Array;
  const sample = Array.from(loaded.subarray(0, 64));
  expect(sample.map(toHalfBits)).toEqual(Array.from(stored.data.subarray(0, 64)));
  let n = 0;
  for (const v of model.weights.backbone.values()) n += v.data.length;
  expect(n).toBeGreaterThan(200_000);
  expect(fs.statSync(path.join(DEMO, 'weights.safetensors')).size).toBeLessThan(600_000);
  const training = JSON.parse(fs.readFileSync(path.join(DEMO, 'training.json'), 'utf8'));
  expect(training).toMatchObject({ official: false, cohort: DEMO_SETTINGS.cohort, pretrain: DEMO_SETTINGS.pretrain });
  expect(training.validation_masked_loss.final).toBeLessThan(training.validation_masked_loss.initial);
  expect(fs.readFileSync(path.join(DEMO, 'README.md'), 'utf8')).toMatch(/NOT the official NeuroSTORM weights/);
});

test('a folder really named demo in the working folder wins over the shipped one', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-demo-own-'));
  const own = models.create(models.demoConfig(), { seed: 3 });
  await models.save(own, path.join(dir, 'demo'));
  const loaded = await inFolder(dir, () => models.load('demo'));
  expect(loaded.config.depths).toEqual(models.demoConfig().depths);
  expect(loaded.config.depths).not.toEqual(models.cpuConfig().depths);
});

test('a demo folder whose weights were changed is refused by its manifest', async () => {
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-demo-bad-')), 'demo');
  fs.cpSync(DEMO, copy, { recursive: true });
  const w = path.join(copy, 'weights.safetensors');
  const bytes = fs.readFileSync(w);
  bytes[bytes.length - 1] ^= 0x01;
  fs.writeFileSync(w, bytes);
  await expect(models.load(copy)).rejects.toThrow(WeightsError);
  await expect(models.load(copy)).rejects.toThrow(/weights.safetensors has changed content/);
});

test('float16 rounding matches numpy (normals, ties to even, subnormals, overflow)', () => {
  const values = [0, 1, -2.5, 65504, 65520, 1e6, -1e6, 6.1e-5, 5.96e-8, 2.98e-8, 1e-9, 0.1, 1 / 3, 1.00048828125, 1.000732421875, 3.14159];
  for (let i = 0; i < 200; i++) values.push(Math.fround(Math.sin(i * 12.9898) * 10 ** ((i % 12) - 8)));
  const f32 = values.map(v => Math.fround(v)); // (no -0: JSON cannot carry its sign to numpy)
  const numpy = execFileSync('/usr/bin/python3', ['-c', 'import json,sys,numpy as np; v=np.array(json.load(sys.stdin),dtype=np.float32); print(json.dumps(v.astype(np.float16).view(np.uint16).tolist()))'], {
    input: JSON.stringify(f32)
  });
  expect(f32.map(toHalfBits)).toEqual(JSON.parse(String(numpy)));
});

test('the generator writes the same bytes when run twice (small setting)', async () => {
  const small = {
    cohort: { subjects: 6, sessions: 1, frames: 20, seed: 5 },
    pretrain: { ...DEMO_SETTINGS.pretrain, epochs: 1, seed: 3 }
  };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-demo-gen-'));
  await makeDemoCheckpoint(path.join(root, 'a'), small);
  await makeDemoCheckpoint(path.join(root, 'b'), small);
  for (const f of GENERATED_FILES) expect(sha(path.join(root, 'b', f))).toBe(sha(path.join(root, 'a', f)));
  const model = await models.load(path.join(root, 'a'));
  expect(model.config.embedDim).toBe(models.cpuConfig().embedDim);
  fs.rmSync(root, { recursive: true, force: true });
});
