/**
 * The training verbs end to end through the CLI front end (runCli, as `neurostorm ...` runs it) on
 * a small synthetic cohort: preprocess -> pretrain -> finetune from the pretrained run, with the
 * issue-12 contract (flags, run folders, --json, exit codes 2 for usage and 1 for data errors).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../kernel/cli/main';
import { cohort, listFiles } from '../train/cohort';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: process.env }, out, err };
}

let data: string;
let work: string;
beforeAll(async () => {
  data = await cohort('verbs', { subjects: 10, sessions: 1, frames: 40, seed: 5 });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-train-cli-'));
}, 300_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('preprocess DATASET --out DIR writes the int8 frame cache of every run', async () => {
  const c = capture();
  const caches = path.join(work, 'caches');
  expect(await runCli(['preprocess', data, '--out', caches], c.io)).toBe(0);
  expect(c.out.join('\n')).toMatch(new RegExp(`preprocessed 10 runs of .* into ${caches} \\(0 reused\\)`));
  expect(fs.readdirSync(caches).filter(f => f.endsWith('.nsframes'))).toHaveLength(10);
  const again = capture();
  expect(await runCli(['preprocess', data, '--out', caches, '--json'], again.io)).toBe(0);
  const report = JSON.parse(again.out.join(''));
  expect(report.runs).toHaveLength(10);
  expect(report.runs.every((r: { reused: boolean }) => r.reused)).toBe(true);
  expect(report.failures).toEqual([]);
}, 600_000);

test('pretrain, then finetune from the pretrained run; bad input is refused with the right exit code', async () => {
  const caches = path.join(work, 'caches');
  const pre = path.join(work, 'mae');
  const p = capture();
  const pcode = await runCli(
    ['pretrain', '--data', data, '--config', 'cpu', '--out', pre, '--seed', '1', '--epochs', '1', '--batch', '2', '--cache-dir', caches],
    p.io
  );
  expect(p.err.join('\n')).not.toMatch(/error/i);
  expect(pcode).toBe(0);
  expect(p.out.join('\n')).toMatch(/^pretrained .*mae: masked loss on held-out clips \d/);
  expect(fs.existsSync(path.join(pre, 'run.json'))).toBe(true);
  // Progress lines on stderr came from the training loop's events (not a TTY: one line per event).
  expect(p.err.some(l => /^pretrain \d+\/\d+/.test(l))).toBe(true);

  const ft = path.join(work, 'sex');
  const args = ['finetune', '--data', data, '--task', 'sex', '--mode', 'tpt', '--config', 'cpu', '--out', ft, '--from', pre];
  const f = capture();
  const code = await runCli([...args, '--seed', '2', '--epochs', '2', '--batch', '2', '--cache-dir', caches, '--json'], f.io);
  expect(f.err.filter(l => !/^finetune \d+\/\d+/.test(l))).toEqual([]);
  expect(code).toBe(0);
  const result = JSON.parse(f.out.join(''));
  expect(result).toMatchObject({ task: 'sex', type: 'binary', status: 'done' });
  expect(result.trainable.fraction).toBeGreaterThan(0);
  expect(result.trainable.fraction).toBeLessThan(1);
  expect(result.subjects.train + result.subjects.validation + result.subjects.test).toBe(10);
  expect(result.metrics.length).toBeGreaterThan(0);
  const run = JSON.parse(fs.readFileSync(path.join(ft, 'run.json'), 'utf8'));
  expect(run).toMatchObject({ kind: 'finetune', task: 'sex', mode: 'tpt', config: 'cpu', status: 'done' });

  // Usage errors: exit 2 before anything is written.
  const usage: [string[], RegExp][] = [
    [['finetune', '--data', data, '--task', 'handedness', '--out', path.join(work, 'u1')], /--task must be one of sex, age, diagnosis, state, reid, phenotype:COLUMN, got "handedness"/],
    [['finetune', '--data', data, '--task', 'sex', '--mode', 'half', '--out', path.join(work, 'u2')], /--mode must be one of tpt, full, probe/],
    [['finetune', '--data', data, '--task', 'sex', '--folds', '1', '--out', path.join(work, 'u3')], /--folds must be a whole number >= 2/],
    [['finetune', '--task', 'sex', '--out', path.join(work, 'u4')], /--data is required/],
    [['pretrain', '--data', data, '--out', path.join(work, 'u5'), '--mask-ratio', '1.5'], /--mask-ratio must be a number from 0.05 to 0.95/]
  ];
  for (const [argv, message] of usage) {
    const u = capture();
    expect(await runCli(argv, u.io)).toBe(2);
    expect(u.err.join('\n')).toMatch(message);
    expect(fs.existsSync(argv[argv.indexOf('--out') + 1])).toBe(false);
  }
  // A run folder that exists is not overwritten without --resume; what it holds stays whole.
  const before = listFiles(ft);
  const again = capture();
  expect(await runCli([...args, '--epochs', '1', '--cache-dir', caches], again.io)).toBe(2);
  expect(again.err.join('\n')).toMatch(/run folder is not empty/);
  expect(listFiles(ft)).toEqual(before);
  // A data error (a phenotype column the table does not have) is a typed error, exit 1.
  const d = capture();
  expect(await runCli(['finetune', '--data', data, '--task', 'phenotype:no_such_column', '--out', path.join(work, 'd1'), '--cache-dir', caches], d.io)).toBe(1);
  expect(d.err.join('\n')).toMatch(/^neurostorm finetune: \w+Error \[E_\w+\]: .*no_such_column/);
}, 1_200_000);
