/**
 * Bias recalibration (kernel/train/recalibrate.ts): the 1-D likelihood fit against its closed form
 * and a brute-force grid, and on a real default-recipe fine-tune: the predicting checkpoint's bias
 * is refitted so that the mean of σ(logit) over the training clips equals their positive fraction
 * (the likelihood's stationarity condition), recorded in trainer-state.json and run.json; the
 * official recipe leaves the head as trained.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { finetune, FinetuneOptions } from '../../kernel/train/finetune';
import { fitBiasOffset, HEAD_BIAS } from '../../kernel/train/recalibrate';
import { labelledClips } from '../../kernel/train/samples';
import { predictClips } from '../../kernel/train/predict';
import { readCheckpoint } from '../../kernel/train/checkpoint';
import { Random } from '../../kernel/random';
import { cohort } from './cohort';

jest.setTimeout(900_000);

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const logLik = (z: readonly number[], y: readonly number[], d: number) =>
  z.reduce((a, zi, i) => a + (y[i] ? Math.log(sigmoid(zi + d)) : Math.log(1 - sigmoid(zi + d))), 0);

describe('fitBiasOffset', () => {
  test('equal logits: δ = logit(p) - z exactly', () => {
    const y = [1, 0, 0, 1, 0];
    expect(fitBiasOffset([0.7, 0.7, 0.7, 0.7, 0.7], y)).toBeCloseTo(Math.log(2 / 3) - 0.7, 14);
  });

  test('random logits: stationary, and the maximum of a brute-force grid', () => {
    const rng = new Random(5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 3 + Math.floor(rng.uniform() * 60);
      // A shared shift (as after AdamW on pretrained features) plus spread and label noise.
      const shift = 6 * (rng.uniform() - 0.5);
      const z = Array.from({ length: n }, () => shift + 2 * (rng.uniform() - 0.5));
      const y: number[] = z.map(zi => (rng.uniform() < sigmoid(zi - shift) ? 1 : 0));
      if (y.every(v => v === y[0])) y[0] = 1 - y[0];
      const d = fitBiasOffset(z, y) as number;
      const p = y.reduce((a, b) => a + b, 0) / n;
      expect(Math.abs(z.reduce((a, zi) => a + sigmoid(zi + d), 0) / n - p)).toBeLessThan(1e-12);
      // Grid over the bracket [logit(p) - max z, logit(p) - min z] at step 1e-3.
      const lo = Math.log(p / (1 - p)) - Math.max(...z);
      const hi = Math.log(p / (1 - p)) - Math.min(...z);
      expect(d).toBeGreaterThanOrEqual(lo);
      expect(d).toBeLessThanOrEqual(hi);
      let best = lo;
      for (let g = lo; g <= hi; g += 1e-3) if (logLik(z, y, g) > logLik(z, y, best)) best = g;
      expect(Math.abs(d - best)).toBeLessThan(1e-3);
      expect(logLik(z, y, d)).toBeGreaterThanOrEqual(logLik(z, y, best));
    }
  });

  test('one-class labels have no finite maximiser: null; bad input is a typed error', () => {
    expect(fitBiasOffset([0.1, 2], [1, 1])).toBeNull();
    expect(fitBiasOffset([0.1, 2], [0, 0])).toBeNull();
    expect(() => fitBiasOffset([0.1], [0, 1])).toThrow(/one 0\/1 label per logit/);
    expect(() => fitBiasOffset([0.1, 0.2], [0, 2])).toThrow(/must be 0 or 1/);
  });
});

describe('on a fine-tune', () => {
  let data: string;
  let work: string;
  const common = (): Omit<FinetuneOptions, 'out'> => ({ data, task: 'sex', mode: 'tpt', seed: 3, epochs: 2, batch: 2, lr: 5e-3, patience: null, fractions: { train: 0.5, val: 0.25, test: 0.25 } });

  beforeAll(async () => {
    data = await cohort('ft', { subjects: 8, sessions: 1, frames: 40, seed: 11 });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-recal-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('default recipe: the best checkpoint is recalibrated on the training clips only', async () => {
    const out = path.join(work, 'default');
    await finetune({ ...common(), out });
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run.bias_recalibration).toHaveLength(1);
    const record = run.bias_recalibration[0];
    const ck = await readCheckpoint(path.join(out, 'checkpoints', 'best'));
    expect(ck.extra.bias_recalibration).toEqual(record);
    expect(ck.model.parameterValues().get(HEAD_BIAS)?.[0]).toBe(record.bias_after);
    expect(Math.fround(record.bias_before + record.offset)).toBe(record.bias_after);
    const trainSubjects = new Set(JSON.parse(fs.readFileSync(path.join(out, 'split.json'), 'utf8')).folds[0].train);
    const labelled = await labelledClips(data, 'sex', { cacheDir: run.cache });
    const train = labelled.samples.filter(s => trainSubjects.has(s.subject));
    expect(record.clips).toBe(train.length);
    const p = train.filter(s => s.label === 1).length / train.length;
    expect(record.positive_fraction).toBe(p);
    const logits = await predictClips(ck.model, train, { type: 'binary', batch: 2, pool: run.input.pool, centre: run.input.centre, scale: run.input.scale });
    const meanProb = logits.reduce((a, r) => a + sigmoid(r[0]), 0) / logits.length;
    expect(Math.abs(meanProb - p)).toBeLessThan(1e-6);
    // The test predictions come from these weights (a constant shift of the uncalibrated ones).
    const pred = JSON.parse(fs.readFileSync(path.join(out, 'predictions.json'), 'utf8'));
    const test = labelled.samples.filter(s => pred.clips.some((c: { split: string; subject: string; start: number }) => c.split === 'test' && c.subject === s.subject && c.start === s.start));
    const testLogits = await predictClips(ck.model, test, { type: 'binary', batch: 2, pool: run.input.pool, centre: run.input.centre, scale: run.input.scale });
    const written = pred.clips.filter((c: { split: string }) => c.split === 'test').map((c: { output: number[] }) => c.output[0]);
    expect(testLogits.map(r => r[0]).sort()).toEqual([...written].sort());
  });

  test('a run killed after the recalibration resumes without refitting: the same predictions', async () => {
    const ref = path.join(work, 'default');
    const out = path.join(work, 'resumed');
    fs.cpSync(ref, out, { recursive: true });
    // As a kill between the checkpoint's rewrite and the fold's predictions leaves it.
    fs.rmSync(path.join(out, 'predictions.json'));
    fs.rmSync(path.join(out, 'checkpoints', 'predictions.json'));
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    delete run.bias_recalibration;
    fs.writeFileSync(path.join(out, 'run.json'), JSON.stringify({ ...run, status: 'running' }));
    await finetune({ ...common(), out, resume: true });
    const read = (dir: string, f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    expect(read(out, 'predictions.json')).toEqual(read(ref, 'predictions.json'));
    expect(read(out, 'run.json').bias_recalibration).toEqual(read(ref, 'run.json').bias_recalibration);
    expect(read(path.join(out, 'checkpoints', 'best'), 'trainer-state.json')).toEqual(read(path.join(ref, 'checkpoints', 'best'), 'trainer-state.json'));
  });

  test('--folds: each fold recalibrated on its own training clips', async () => {
    const out = path.join(work, 'folds');
    await finetune({ ...common(), out, folds: 2, fractions: undefined, epochs: 1 });
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    const split = JSON.parse(fs.readFileSync(path.join(out, 'split.json'), 'utf8')).folds;
    const labelled = await labelledClips(data, 'sex', { cacheDir: run.cache });
    expect(run.bias_recalibration).toHaveLength(2);
    for (const [i, record] of run.bias_recalibration.entries()) {
      const ck = await readCheckpoint(path.join(out, 'checkpoints', `fold-${i}`, 'best'));
      expect(ck.extra.bias_recalibration).toEqual(record);
      const train = labelled.samples.filter(s => split[i].train.includes(s.subject));
      expect(record.clips).toBe(train.length);
      const logits = await predictClips(ck.model, train, { type: 'binary', batch: 2, pool: run.input.pool, centre: run.input.centre, scale: run.input.scale });
      const p = train.filter(s => s.label === 1).length / train.length;
      expect(Math.abs(logits.reduce((a, r) => a + sigmoid(r[0]), 0) / logits.length - p)).toBeLessThan(1e-6);
    }
  });

  test('official recipe: no recalibration', async () => {
    const out = path.join(work, 'official');
    await finetune({ ...common(), out, recipe: 'official', epochs: 1 });
    const run = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(run).not.toHaveProperty('bias_recalibration');
    const ck = await readCheckpoint(path.join(out, 'checkpoints', 'last'));
    expect(ck.extra).not.toHaveProperty('bias_recalibration');
  });
});
