/**
 * The opt-in input gain (ResolvedConfig.scale): readBatch applies it after centring, unitGain brings
 * the centred in-brain input to unit mean square, resolveInput picks recorded > option > starting
 * run, a pretraining run records it in run.json and a start from that run reads it back, and the
 * held-out masked loss and the predictions are computed on the scaled input.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readBatch, unitGain } from '../../kernel/data/sampler';
import { labelledClips } from '../../kernel/train/samples';
import { resolveConfig, resolveInput } from '../../kernel/train/presets';
import { maskedLoss, pretrain } from '../../kernel/train/pretrain';
import { maskSampler } from '../../kernel/train/mae-masks';
import { predictClips } from '../../kernel/train/predict';
import { startingModel } from '../../kernel/train/starting-model';
import { poolFeatures } from '../../kernel/eval/embed';
import { cohort } from './cohort';

jest.setTimeout(600_000);

const DESIGN = { subjects: 8, sessions: 1, frames: 40, seed: 11 };

async function clipsOf(n: number) {
  const data = await cohort('ft', DESIGN);
  const samples = (await labelledClips(data, 'mae')).samples;
  return { data, samples, clips: samples.slice(0, n).map(s => ({ cache: s.cache, start: s.start, length: s.frames, subject: s.subject })) };
}

test('readBatch multiplies the centred input by the gain; unitGain gives the in-brain input unit mean square', async () => {
  const { clips } = await clipsOf(3);
  const plain = await readBatch(clips, 2, new Map(), true);
  const scaled = await readBatch(clips, 2, new Map(), true, 7.5);
  for (let i = 0; i < plain.data.length; i += 997) expect(scaled.data[i]).toBeCloseTo(plain.data[i] * 7.5, 5);
  const gain = await unitGain(clips, 2);
  // independent float64 sum over the unscaled batch: in-brain = a voxel whose centred clip is not all 0
  const T = clips[0].length;
  let sum = 0;
  let n = 0;
  for (let v = 0; v < plain.data.length; v += T) {
    const row = Array.from(plain.data.subarray(v, v + T));
    if (row.some(x => x !== 0)) {
      sum += row.reduce((a, x) => a + x * x, 0);
      n += T;
    }
  }
  expect(gain).toBeCloseTo(1 / Math.sqrt(sum / n), 4);
  expect(gain).toBeGreaterThan(2); // the centred CPU input is far below unit scale
  const unit = await readBatch(clips, 2, new Map(), true, gain);
  let s2 = 0;
  for (let v = 0; v < unit.data.length; v += T) for (let t = 0; t < T; t++) s2 += unit.data[v + t] ** 2;
  expect(s2 / n).toBeCloseTo(1, 3);
});

test('resolveInput: recorded input wins, then the option (a gain or "unit"), then the starting run; bad values are refused', async () => {
  const { samples } = await clipsOf(0);
  const cpu = resolveConfig('cpu');
  expect(cpu.scale).toBe(1);
  expect((await resolveInput(cpu, { centre: true, scale: 3 }, 'unit', samples)).scale).toBe(3);
  expect((await resolveInput(cpu, { centre: true }, 5, samples)).scale).toBe(1); // a run written before the gain existed
  expect((await resolveInput(cpu, undefined, 5, samples)).scale).toBe(5);
  expect((await resolveInput({ ...cpu, scale: 4 }, undefined, undefined, samples)).scale).toBe(4);
  const unit = await resolveInput(cpu, undefined, 'unit', samples);
  const step = Math.max(1, Math.floor(samples.length / 32));
  const measured = await unitGain(samples.filter((_, i) => i % step === 0).slice(0, 32).map(s => ({ cache: s.cache, start: s.start, length: s.frames, subject: s.subject })), 2);
  expect(unit.scale).toBe(measured);
  await expect(resolveInput(cpu, undefined, -1, samples)).rejects.toThrow(/input scale must be a positive number/);
  await expect(resolveInput({ ...cpu, centre: false }, undefined, 'unit', samples)).rejects.toThrow(/needs centred input/);
});

test('a pretraining run records its gain, a start from it reads it back, and its masked loss and predictions use it', async () => {
  const { data, samples } = await clipsOf(0);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ns-pre-scale-')), 'mae');
  const r = await pretrain({ data, out, epochs: 1, batch: 4, seed: 3, inputScale: 'unit', augment: false });
  const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
  const train = new Set<string>(JSON.parse(fs.readFileSync(path.join(out, 'split.json'), 'utf8')).folds[0].train);
  const trainClips = samples.filter(s => train.has(s.subject));
  const expected = (await resolveInput(resolveConfig('cpu'), undefined, 'unit', trainClips)).scale;
  expect(run.input).toEqual({ pool: 2, centre: true, scale: expected });
  const start = await startingModel({ from: out, config: resolveConfig('cpu'), explicitConfig: false, seed: 1, mae: true });
  expect(start.config.scale).toBe(expected);
  // the held-out loss the run reported is the one on the scaled input, not on the unscaled one
  const held = new Set<string>(JSON.parse(fs.readFileSync(path.join(out, 'split.json'), 'utf8')).folds[0].validation);
  const validation = samples.filter(s => held.has(s.subject));
  const sampler = await maskSampler(start.model.config, run.mask, validation[0].frames);
  const options = { batch: 4, pool: 2, centre: true, seed: 3 };
  const scaledLoss = await maskedLoss(start.model, validation, sampler, { ...options, scale: expected });
  const plainLoss = await maskedLoss(start.model, validation, sampler, { ...options, scale: 1 });
  expect(scaledLoss).toBeCloseTo(r.finalValidLoss, 5);
  expect(Math.abs(plainLoss - scaledLoss) / scaledLoss).toBeGreaterThan(0.1);
  // predictions read the input with the gain: the same as a forward on the scaled batch
  const two = validation.slice(0, 2);
  const predicted = await predictClips(start.model, two, { type: 'reid', batch: 2, pool: 2, centre: true, scale: expected });
  const batch = await readBatch(two.map(s => ({ cache: s.cache, start: s.start, length: s.frames, subject: s.subject })), 2, new Map(), true, expected);
  const y = await start.model.forward({ data: batch.data, shape: batch.shape }, { prompts: start.model.hasPrompts }, []);
  const pooled = poolFeatures(y.backbone.data, y.backbone.shape);
  predicted[0].forEach((v, j) => expect(v).toBeCloseTo(pooled[0][j], 5));
  const unscaled = await predictClips(start.model, two, { type: 'reid', batch: 2, pool: 2, centre: true, scale: 1 });
  expect(unscaled[0]).not.toEqual(predicted[0]);
});
