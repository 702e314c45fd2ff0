/**
 * The gain-field augmentation (ours; kernel/train/augment.ts gainFieldBatch, pretrain `gainField`):
 * the log field has the asked sd over the brain and is smooth at the asked scale; the gain is one per
 * voxel, the same for every frame; the same fork gives the same field and other samples other ones;
 * strength 0 leaves a batch byte for byte; pretraining without it is unchanged (strength 0 gives the
 * same metrics as none, so its draws do not disturb the affine / noise / smooth ones), with it the
 * run records it and resumes exactly; bad specs and flags are refused.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { augmentBatch, gainFieldBatch, gainFieldSpec, logGainField } from '../../kernel/train/augment';
import { pretrain } from '../../kernel/train/pretrain';
import { Random } from '../../kernel/random';
import { parseFlags } from '../../kernel/verbs/flags';
import { PRETRAIN_VERB } from '../../kernel/verbs/table/pretrain';
import { expectExactResume } from './pretrain-terms';
import { cohort } from './cohort';

jest.setTimeout(1_200_000);

const E = 24;

/** A ball of radius 9 in the E³ grid: the "brain". */
function ball(): Uint8Array {
  const m = new Uint8Array(E * E * E);
  const c = (E - 1) / 2;
  for (let x = 0; x < E; x++) for (let y = 0; y < E; y++) for (let z = 0; z < E; z++) m[(x * E + y) * E + z] = (x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2 <= 81 ? 1 : 0;
  return m;
}

function stats(v: ArrayLike<number>, mask: Uint8Array): { mean: number; sd: number } {
  let n = 0, s = 0, q = 0;
  for (let i = 0; i < v.length; i++) if (mask[i]) { n++; s += v[i]; q += v[i] * v[i]; }
  const mean = s / n;
  return { mean, sd: Math.sqrt(q / n - mean * mean) };
}

/** Mean squared difference of x-neighbours inside the mask over the in-mask variance (white noise: 2). */
function roughness(v: ArrayLike<number>, mask: Uint8Array): number {
  let n = 0, d = 0;
  for (let x = 0; x + 1 < E; x++)
    for (let i = 0; i < E * E; i++) {
      const a = x * E * E + i, b = a + E * E;
      if (mask[a] && mask[b]) { n++; d += (v[a] - v[b]) ** 2; }
    }
  return d / n / stats(v, mask).sd ** 2;
}

/** A batch [B, 1, E, E, E, T] of noise inside the ball, 0 outside (a centred clip's background). */
function batch(B: number, T: number, seed: number): { data: Float32Array; shape: number[] } {
  const r = new Random(seed);
  const m = ball();
  const data = new Float32Array(B * E ** 3 * T);
  for (let b = 0; b < B; b++) for (let i = 0; i < E ** 3; i++) for (let t = 0; t < T; t++) if (m[i]) data[(b * E ** 3 + i) * T + t] = r.normal();
  return { data, shape: [B, 1, E, E, E, T] };
}

test('the log field: in-brain mean 0 and sd = strength, smooth at the asked scale (neighbour differences shrink as σ grows)', () => {
  const brain = ball();
  for (const [strength, scale] of [[0.5, 3], [1.2, 1.5]]) {
    const f = logGainField([E, E, E], { strength, scale }, new Random(4).fork('g'), brain);
    const s = stats(f, brain);
    expect(Math.abs(s.mean)).toBeLessThan(1e-6);
    expect(s.sd).toBeCloseTo(strength, 5);
  }
  // Gaussian-smoothed white noise: lag-1 correlation exp(-1/(4σ²)), so 2(1 - ρ) = 0.055 at σ 3, 0.21 at 1.5
  const r3 = roughness(logGainField([E, E, E], { strength: 1, scale: 3 }, new Random(4), brain), brain);
  const r15 = roughness(logGainField([E, E, E], { strength: 1, scale: 1.5 }, new Random(4), brain), brain);
  console.log(`roughness (white noise 2): σ 3 ${r3.toFixed(4)}, σ 1.5 ${r15.toFixed(4)}`);
  expect(r3).toBeGreaterThan(0.03);
  expect(r3).toBeLessThan(0.09);
  expect(r15).toBeGreaterThan(0.12);
  expect(r15).toBeLessThan(0.32);
  // default σ = grid edge / 8 (3 here): the same field as asking for 3
  expect(logGainField([E, E, E], { strength: 1 }, new Random(4), brain)).toEqual(logGainField([E, E, E], { strength: 1, scale: 3 }, new Random(4), brain));
});

test('the batch: one gain per voxel for every frame, log-sd = strength over the brain; same fork same field; samples differ; strength 0 byte for byte', () => {
  const x = batch(3, 5, 1);
  const fork = (b: number) => new Random(9).fork(`gain-7-${b}`);
  const y = gainFieldBatch(x, { strength: 0.5 }, fork) as { data: Float32Array; shape: number[] };
  expect(y.shape).toEqual(x.shape);
  const brain = ball();
  const vox = E ** 3, T = 5;
  const logs: Float64Array[] = [];
  for (let b = 0; b < 3; b++) {
    const lg = new Float64Array(vox);
    for (let i = 0; i < vox; i++) {
      if (!brain[i]) {
        for (let t = 0; t < T; t++) expect(y.data[(b * vox + i) * T + t]).toBe(0);
        continue;
      }
      const o = (b * vox + i) * T;
      const ratio = y.data[o] / x.data[o];
      for (let t = 1; t < T; t++) expect(Math.abs(y.data[o + t] / x.data[o + t] - ratio)).toBeLessThan(1e-5 * ratio);
      lg[i] = Math.log(ratio);
    }
    const s = stats(lg, brain);
    expect(Math.abs(s.mean)).toBeLessThan(1e-5);
    expect(s.sd).toBeCloseTo(0.5, 4);
    logs.push(lg);
  }
  // samples differ: correlation of two samples' log fields over the brain is far from 1
  const corr = (a: Float64Array, b: Float64Array) => {
    let ab = 0, n = 0;
    for (let i = 0; i < vox; i++) if (brain[i]) { ab += a[i] * b[i]; n++; }
    return ab / n / 0.25;
  };
  console.log(`log-field correlation between samples: ${corr(logs[0], logs[1]).toFixed(3)}, ${corr(logs[0], logs[2]).toFixed(3)}`);
  expect(Math.abs(corr(logs[0], logs[1]))).toBeLessThan(0.8);
  expect(Math.abs(corr(logs[0], logs[2]))).toBeLessThan(0.8);
  // same forks: the same bytes
  expect(Buffer.from(gainFieldBatch(x, { strength: 0.5 }, fork).data.buffer).equals(Buffer.from(y.data.buffer))).toBe(true);
  // strength 0: the input byte for byte
  expect(Buffer.from(gainFieldBatch(x, { strength: 0 }, fork).data.buffer).equals(Buffer.from(x.data.buffer))).toBe(true);
  // augmentBatch reads nothing from the gain forks: its output is the same whatever gain was drawn before
  const a1 = augmentBatch(x, 'all', b => new Random(9).fork(`augment-7-${b}`));
  gainFieldBatch(x, { strength: 0.5 }, fork);
  const a2 = augmentBatch(x, 'all', b => new Random(9).fork(`augment-7-${b}`));
  expect(Buffer.from(a1.data.buffer).equals(Buffer.from(a2.data.buffer))).toBe(true);
});

test('bad specs and flags are refused; the pretrain verb takes --gain-field S [--gain-field-scale σ]', async () => {
  expect(gainFieldSpec(undefined)).toBeNull();
  expect(gainFieldSpec({ strength: 0.5 })).toEqual({ strength: 0.5 });
  expect(() => gainFieldSpec({ strength: -1 })).toThrow(/gain field/);
  expect(() => gainFieldSpec({ strength: NaN })).toThrow(/gain field/);
  expect(() => gainFieldSpec({ strength: 1, scale: 0 })).toThrow(/gain field/);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-gain-bad-'));
  await expect(pretrain({ data: '/nonexistent', out: path.join(root, 'b'), gainField: { strength: -1 } })).rejects.toMatchObject({ code: 'E_USAGE' });
  expect(fs.existsSync(path.join(root, 'b', 'run.json'))).toBe(false);
  fs.rmSync(root, { recursive: true, force: true });
  expect(parseFlags(['--data', 'd', '--out', 'o', '--gain-field', '0.5', '--gain-field-scale', '4'], PRETRAIN_VERB.flags, 'usage').flags).toMatchObject({ gainField: 0.5, gainFieldScale: 4 });
  expect(() => parseFlags(['--data', 'd', '--out', 'o', '--gain-field', '-1'], PRETRAIN_VERB.flags, 'usage')).toThrow(/gain-field/);
});

describe('pretraining with the gain field', () => {
  test('strength 0 trains exactly as none; 0.5 trains differently, is recorded in run.json and the manifest, and resumes exactly', async () => {
    const data = await cohort('ft', { subjects: 6, sessions: 1, frames: 20, seed: 11 });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-gain-'));
    const base = { data, epochs: 2, batch: 2, lr: 1e-3, seed: 2, decoderInit: 'zero' as const };
    await pretrain({ ...base, out: path.join(root, 'off') });
    await pretrain({ ...base, out: path.join(root, 'zero'), gainField: { strength: 0 } });
    const metrics = (d: string) => fs.readFileSync(path.join(root, d, 'metrics.jsonl'), 'utf8');
    // the off run's record has no gain_field; strength 0 multiplies by exp(0) = 1 exactly
    expect(JSON.parse(fs.readFileSync(path.join(root, 'off', 'run.json'), 'utf8')).gain_field).toBeUndefined();
    expect(metrics('zero')).toBe(metrics('off'));
    const opts = { ...base, gainField: { strength: 0.5, scale: 4 } };
    const full = await pretrain({ ...opts, out: path.join(root, 'full') });
    console.log(`held-out masked ${full.initialValidLoss.toFixed(4)} -> ${full.finalValidLoss.toFixed(4)}; first-epoch rows off ${metrics('off').split('\n')[0]} / gain ${metrics('full').split('\n')[0]}`);
    expect(metrics('full').split('\n')[0]).not.toBe(metrics('off').split('\n')[0]);
    // validation never augments: the first held-out loss (before any step) is the off run's
    expect(full.initialValidLoss).toBe(JSON.parse(fs.readFileSync(path.join(root, 'off', 'manifest.json'), 'utf8')).metrics.initial_valid_masked_loss);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'full', 'run.json'), 'utf8'))).toMatchObject({ gain_field: { strength: 0.5, scale: 4 }, status: 'done' });
    expect(JSON.parse(fs.readFileSync(path.join(root, 'full', 'manifest.json'), 'utf8'))).toMatchObject({ gain_field: { strength: 0.5, scale: 4 } });
    await expectExactResume(opts, root);
    // the resumed run kept its gain field (resume passes no options)
    expect(JSON.parse(fs.readFileSync(path.join(root, 'cut', 'run.json'), 'utf8')).gain_field).toEqual({ strength: 0.5, scale: 4 });
    fs.rmSync(root, { recursive: true, force: true });
  });
});
