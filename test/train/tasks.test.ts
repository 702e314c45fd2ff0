/**
 * The other task families through ns.train.finetune on a tiny cohort with task blocks and two
 * sessions: task state (clip level, labels from events.tsv), re-identification (CE over training
 * subjects, embeddings as outputs) and age with k folds (regression in original units, every subject
 * tested once). Sized to check the contract, not accuracy.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { finetune } from '../../kernel/train/finetune';
import { cohort } from './cohort';

jest.setTimeout(1_200_000);

let data: string;
let work: string;
const read = (dir: string, name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
const quick = { epochs: 1, batch: 2, seed: 5, mode: 'tpt' as const };

beforeAll(async () => {
  data = await cohort('tasks', { subjects: 6, sessions: 2, frames: 60, seed: 8, task: true });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-tasks-'));
});

test('task state: clip-level labels from events.tsv (the condition of each block)', async () => {
  const out = path.join(work, 'state');
  await finetune({ ...quick, data, task: 'state', out, fractions: { train: 0.5, val: 0.25, test: 0.25 } });
  const run = read(out, 'run.json');
  expect(run).toMatchObject({ type: 'binary', level: 'clip', label_source: 'events.tsv trial_type' });
  const samples = read(out, 'samples.json');
  expect(samples.classes).toEqual(['A', 'B']);
  // 60 frames, blocks of 12 (A at 12-23, B at 36-47): clip 0 is A, clip 20 ties A/B (dropped), clip 40 is B
  const starts = new Map<number, string>(samples.samples.map((s: { start: number; target: number }) => [s.start, samples.classes[s.target]]));
  expect([...starts]).toEqual([[0, 'A'], [40, 'B']]);
  expect(samples.samples).toHaveLength(24);
  expect(samples.dropped.filter((d: { reason: string }) => /two states/.test(d.reason))).toHaveLength(12);
  const pred = read(out, 'predictions.json');
  expect(pred.level).toBe('clip');
  for (const c of pred.clips) expect(c.output).toHaveLength(1);
});

test('re-identification: CE over training subjects, pooled features as outputs, null targets', async () => {
  const out = path.join(work, 'reid');
  await finetune({ ...quick, data, task: 'reid', out, fractions: { train: 0.34, val: 0.33, test: 0.33 } });
  const samples = read(out, 'samples.json');
  expect(samples.type).toBe('reid');
  expect(samples.classes).toBeUndefined();
  expect(samples.samples.every((s: { target: null }) => s.target === null)).toBe(true);
  const pred = read(out, 'predictions.json');
  for (const c of pred.clips) expect(c.output).toHaveLength(96);
  expect(new Set(pred.clips.map((c: { session: string }) => c.session))).toEqual(new Set(['ses-1', 'ses-2']));
  const metrics = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
  expect(metrics).toContain('valid_rank1');
});

test('age with 2 folds: every subject tested once, predictions in years', async () => {
  const out = path.join(work, 'age');
  const r = await finetune({ ...quick, data, task: 'age', out, folds: 2 });
  expect(r.validation).toHaveLength(2);
  const split = read(out, 'split.json').folds;
  expect(split).toHaveLength(2);
  expect([...split[0].test, ...split[1].test].sort()).toEqual(Array.from({ length: 6 }, (_, i) => `sub-0${i + 1}`));
  const pred = read(out, 'predictions.json');
  expect(pred.type).toBe('regression');
  const test = pred.clips.filter((c: { split: string }) => c.split === 'test');
  expect(new Set(test.map((c: { subject: string }) => c.subject)).size).toBe(6);
  expect(new Set(test.map((c: { fold: number }) => c.fold))).toEqual(new Set([0, 1]));
  // outputs are years (the scaler is undone): within the cohort's 20-80 span, not z-scores around 0
  const mean = test.reduce((a: number, c: { output: number[] }) => a + c.output[0], 0) / test.length;
  expect(mean).toBeGreaterThan(20);
  expect(mean).toBeLessThan(80);
  expect(read(out, 'run.json').folds).toBe(2);
  expect(fs.existsSync(path.join(out, 'checkpoints', 'fold-1', 'best', 'trainer-state.json'))).toBe(true);
});
