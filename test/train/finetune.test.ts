/**
 * ns.train.finetune end to end on a small synthetic cohort (CPU configuration): the run folder
 * contract, kill -9 then resume giving the same final metrics and predictions as an uninterrupted
 * run, and an abort signal stopping at a step boundary with a resumable checkpoint.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { finetune, FinetuneOptions } from '../../kernel/train/finetune';
import { AbortedError } from '../../kernel/errors';
import * as models from '../../kernel/models';
import { cohort, listFiles } from './cohort';

jest.setTimeout(900_000);

let data: string;
let work: string;
const common = (): Omit<FinetuneOptions, 'out'> => ({ data, task: 'sex', mode: 'tpt', seed: 3, epochs: 2, batch: 2, lr: 5e-3, patience: null, fractions: { train: 0.5, val: 0.25, test: 0.25 }, checkpointEvery: 1 });
const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

beforeAll(async () => {
  data = await cohort('ft', { subjects: 8, sessions: 1, frames: 40, seed: 11 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-ft-'));
});

test('writes the run-folder contract; TPT trains a small fraction of the parameters', async () => {
  const out = path.join(work, 'plain');
  const r = await finetune({ ...common(), out });
  const run = JSON.parse(read(out, 'run.json'));
  expect(run).toMatchObject({ format: 'neurostorm-run/1', kind: 'finetune', task: 'sex', type: 'binary', level: 'subject', mode: 'tpt', config: 'cpu', data, seed: 3, folds: null, status: 'done' });
  expect(path.isAbsolute(run.cache)).toBe(true);
  const split = JSON.parse(read(out, 'split.json')).folds;
  expect(split).toHaveLength(1);
  const all = [...split[0].train, ...split[0].validation, ...split[0].test];
  expect(new Set(all).size).toBe(8);
  expect(split[0].train).toHaveLength(4);
  const samples = JSON.parse(read(out, 'samples.json'));
  expect(samples.classes).toEqual(['F', 'M']);
  expect(samples.samples).toHaveLength(16);
  expect(samples.samples[0]).toMatchObject({ subject: 'sub-01', session: 'ses-1', start: 0, frames: 20 });
  expect(fs.existsSync(samples.samples[0].bold)).toBe(true);
  const participants = fs.readFileSync(path.join(data, 'participants.tsv'), 'utf8');
  for (const s of samples.samples) expect(participants).toContain(`${s.subject}\t${['F', 'M'][s.target]}`);
  const pred = JSON.parse(read(out, 'predictions.json'));
  expect(pred).toMatchObject({ format: 'neurostorm-predictions/1', task: 'sex', type: 'binary', level: 'subject', classes: ['F', 'M'] });
  expect(pred.clips.filter((c: { split: string }) => c.split === 'test')).toHaveLength(4);
  expect(pred.clips.filter((c: { split: string }) => c.split === 'validation')).toHaveLength(4);
  for (const c of pred.clips) expect(c.output).toHaveLength(1);
  const metrics = read(out, 'metrics.jsonl').trim().split('\n').map(l => JSON.parse(l));
  expect(metrics.map(m => m.epoch)).toEqual([0, 1]);
  expect(metrics[1]).toHaveProperty('valid_auroc');
  expect(metrics[1].step).toBe(8); // 8 training clips, batch 2, 2 epochs
  const manifest = JSON.parse(read(out, 'manifest.json'));
  expect(manifest.data.content_sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(manifest.code.version).toBeTruthy();
  expect(manifest.onnxruntime).toMatch(/^\d+\.\d+/);
  expect(manifest.machine.cpus).toBeGreaterThan(0);
  expect(r.trainable.fraction).toBeGreaterThan(0);
  expect(r.trainable.fraction).toBeLessThan(0.02);
  const events = read(out, 'events.jsonl').trim().split('\n').map(l => JSON.parse(l));
  expect(events.some(e => typeof e.loss === 'number' && typeof e.lr === 'number' && typeof e.clipsPerSecond === 'number' && typeof e.etaSeconds === 'number')).toBe(true);
  expect(events.some(e => e.metric?.name === 'auroc')).toBe(true);
  // Checkpoints load as models; best holds the trained prompts and head.
  const best = await models.load(path.join(out, 'checkpoints', 'best'));
  expect(best.hasPrompts).toBe(true);
  expect(best.config.imgSize).toEqual([48, 48, 48, 20]);
  expect(fs.existsSync(path.join(out, 'checkpoints', 'last', 'trainer-state.json'))).toBe(true);
  expect(listFiles(out).filter(f => /\.(tmp|old)-/.test(f))).toEqual([]);
  await expect(finetune({ ...common(), out })).rejects.toThrow(/run folder is not empty/);
});

test('kill -9 mid-run, then resume: the same metrics and predictions as the uninterrupted run', async () => {
  const out = path.join(work, 'killed');
  const child = spawn(process.execPath, ['-r', path.join(__dirname, 'ts-register.js'), path.join(__dirname, 'finetune-child.ts'), JSON.stringify({ ...common(), out })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', d => (stderr += String(d)));
  const killedAt = await new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', d => {
      buffer += String(d);
      const steps = [...buffer.matchAll(/step (\d+)/g)].map(m => Number(m[1]));
      // Mid second epoch: after the epoch-1 checkpoint and at least one mid-epoch one.
      if (steps.length && steps[steps.length - 1] >= 6 && !child.killed) {
        child.kill('SIGKILL');
        resolve(steps[steps.length - 1]);
      }
    });
    child.on('exit', code => {
      if (!child.killed) reject(new Error(`child exited ${code} before it could be killed: ${stderr}`));
    });
  });
  await new Promise(r => child.on('close', r));
  expect(killedAt).toBeGreaterThanOrEqual(6);
  expect(JSON.parse(read(out, 'run.json')).status).toBe('running');
  expect(fs.existsSync(path.join(out, 'predictions.json'))).toBe(false);
  await finetune({ ...common(), out, resume: true });
  const reference = path.join(work, 'plain');
  expect(read(out, 'metrics.jsonl')).toBe(read(reference, 'metrics.jsonl'));
  expect(JSON.parse(read(out, 'predictions.json'))).toEqual(JSON.parse(read(reference, 'predictions.json')));
  expect(JSON.parse(read(out, 'run.json')).status).toBe('done');
  expect(listFiles(out).filter(f => /\.(tmp|old)-/.test(f))).toEqual([]);
  for (const f of listFiles(out).filter(f => f.endsWith('.json'))) expect(() => JSON.parse(read(out, f))).not.toThrow();
});

test('an abort signal stops at a step boundary with a resumable checkpoint', async () => {
  const out = path.join(work, 'aborted');
  const controller = new AbortController();
  const steps: number[] = [];
  await expect(
    finetune({ ...common(), out, checkpointEvery: undefined, signal: controller.signal, onProgress: e => {
      steps.push(e.step);
      if (e.step === 3) controller.abort();
    } })
  ).rejects.toThrow(AbortedError);
  expect(JSON.parse(read(out, 'run.json')).status).toBe('interrupted');
  const state = JSON.parse(read(path.join(out, 'checkpoints', 'last'), 'trainer-state.json')).state;
  expect(state.step).toBe(3);
  expect(state.batch).toBe(3);
  await finetune({ ...common(), out, resume: true });
  expect(read(out, 'metrics.jsonl')).toBe(read(path.join(work, 'plain'), 'metrics.jsonl'));
});
