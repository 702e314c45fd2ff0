/**
 * The parts of the Slurm front end that need no cluster: sweep grids, array specs, sbatch
 * directives, the job script text, and the refusals of bad cluster flags on the CLI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseSweep, pointName, sbatchDirectives, sweepPoints, jobFiles } from '../../kernel/cluster';
import { arraySpec, writeJobScript } from '../../kernel/cluster/job-script';
import { runCli } from '../../kernel/cli/main';
import { runMagic } from '../../kernel/notebook/magic';

const ALLOWED = ['seed', 'mode', 'folds'];

test('a sweep is the grid of its axes, first axis slowest, in either spelling', () => {
  const a = sweepPoints(parseSweep(['seed=1', '2', 'mode=tpt', 'probe'], ALLOWED));
  const b = sweepPoints(parseSweep(['seed=1', '2 mode=tpt', 'probe'], ALLOWED));
  expect(a).toEqual([
    { seed: '1', mode: 'tpt' },
    { seed: '1', mode: 'probe' },
    { seed: '2', mode: 'tpt' },
    { seed: '2', mode: 'probe' }
  ]);
  expect(b).toEqual(a);
  expect(sweepPoints(parseSweep(['seed=1', '2', '3', 'folds=5'], ALLOWED)).map(pointName)).toEqual(['seed-1_folds-5', 'seed-2_folds-5', 'seed-3_folds-5']);
  expect(() => parseSweep(['lr=1'], ALLOWED)).toThrow(/cannot vary "lr"/);
  expect(() => parseSweep(['1', '2'], ALLOWED)).toThrow(/NAME=V1,V2/);
  expect(() => parseSweep(['seed='], ALLOWED)).toThrow(/seed= has no values/);
  expect(() => parseSweep(['seed=1', 'seed=2'], ALLOWED)).toThrow(/twice/);
});

test('array specs are compact, and Slurm options become #SBATCH lines (one line each)', () => {
  expect(arraySpec([0, 1, 2, 3])).toBe('0-3');
  expect(arraySpec([5, 1, 2, 7, 8, 9])).toBe('1-2,5,7-9');
  expect(sbatchDirectives({ partition: 'gpu', time: '1:00:00', mem: '8G', cpusPerTask: 4, gres: 'gpu:1', account: 'lab', sbatchArgs: ['--qos=short'] })).toEqual([
    '#SBATCH --partition=gpu',
    '#SBATCH --time=1:00:00',
    '#SBATCH --mem=8G',
    '#SBATCH --cpus-per-task=4',
    '#SBATCH --gres=gpu:1',
    '#SBATCH --account=lab',
    '#SBATCH --qos=short'
  ]);
  expect(() => sbatchDirectives({ sbatchArgs: ['qos=short'] })).toThrow(/--sbatch-arg takes one sbatch option/);
  expect(() => sbatchDirectives({ partition: 'a\n#SBATCH --x' })).toThrow(/must be one line/);
});

test('the job script picks a task by SLURM_ARRAY_TASK_ID, quotes its arguments and records the exit code', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-jobscript-'));
  try {
    const files = jobFiles(out, 'preprocess');
    const text = writeJobScript(files, { name: 'preprocess', tasks: [['preprocess', "it's here"], ['preprocess', 'b']], submit: [1], slurm: { mem: '2G' } });
    expect(fs.readFileSync(files.script, 'utf8')).toBe(text);
    expect(text).toMatch(/^#SBATCH --array=1$/m);
    expect(text).toMatch(/^#SBATCH --mem=2G$/m);
    expect(text).toContain(`  0) set -- preprocess 'it'\\''s here' ;;`);
    expect(text).toContain(`--output=${path.join(out, 'slurm', 'logs', 'preprocess-%a.log')}`);
    expect(text).toMatch(/mv "\$status.tmp" "\$status"/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('cluster flags without --slurm, and --sweep without --slurm, are usage errors (exit 2)', async () => {
  const err: string[] = [];
  const io = { out: () => undefined, err: (t: string) => err.push(t), env: process.env };
  expect(await runCli(['preprocess', '.', '--wait', '--partition', 'x'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/--wait, --partition only apply to a Slurm job: add --slurm/);
  expect(await runCli(['finetune', '--data', '.', '--task', 'sex', '--out', 'x', '--sweep', 'seed=1,2'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/--sweep runs on Slurm: add --slurm/);
  expect(await runCli(['finetune', '--data', '.', '--task', 'sex', '--out', 'x', '--sweep', 'colour=red', '--slurm'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/--sweep cannot vary "colour"/);
  // The spelling: the axes after --sweep are its items, not stray positionals.
  err.length = 0;
  expect(await runCli(['finetune', '--data', '.', '--task', 'sex', '--out', 'x', '--sweep', 'seed=1,2', 'colour=red', '--slurm'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/--sweep cannot vary "colour"/);
  await expect(runMagic('finetune --data . --task sex --out x --sweep seed=1,2 mode=tpt,probe colour=red --slurm')).rejects.toThrow(/--sweep cannot vary "colour"/);
});
