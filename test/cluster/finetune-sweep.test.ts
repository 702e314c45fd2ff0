/**
 * `neurostorm finetune ... --sweep seed=1,2 --sweep mode=tpt,probe --slurm --wait` on a real
 * single-node Slurm: four array tasks, four ordinary run folders, gathered into one table (every
 * metric with its interval, the FC baseline beside); a sweep point equals the same finetune run
 * locally. Runs the compiled CLI of this checkout (npm run build:kernel).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { preprocess, synth } from '../../kernel/data';
import { formatClusterJobs, ClusterJobsResult } from '../../kernel/verbs';
import { followJob, readJobRecord } from '../../kernel/cluster';
import { neurostormCli, requireBuiltCli, startSlurm, SlurmCluster } from './slurm-harness';

/** The CLI against this file's cluster, bounded. */
const neurostorm = (args: string[]) => neurostormCli(cluster.env, args, 300_000);

jest.setTimeout(400_000);

let cluster: SlurmCluster;
let work: string;
let data: string;
let caches: string;
beforeAll(async () => {
  requireBuiltCli();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-slurm-sweep-'));
  data = (await synth({ out: path.join(work, 'cohort'), subjects: 8, sessions: 1, frames: 20, seed: 3 })).root;
  caches = path.join(work, 'caches');
  await preprocess(data, { cacheDir: caches });
  cluster = await startSlurm();
});
afterAll(async () => {
  await cluster?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The finetune arguments every run here shares (one short epoch, 2-fold CV so all 8 subjects are tested). */
const common = () => ['--data', data, '--task', 'sex', '--folds', '2', '--epochs', '1', '--batch', '2', '--cache-dir', caches];

test('a 2 x 2 sweep runs as four array tasks and gathers into one table with the baseline beside; a cancelled sweep resumes', async () => {
  const out = path.join(work, 'sweep');
  const sweepArgs = ['finetune', ...common(), '--out', out, '--sweep', 'seed=1,2', '--sweep', 'mode=tpt,probe', '--slurm'];
  // First submitted and cancelled while a point trains: what it leaves is whole (run.json parses).
  expect((await neurostorm(sweepArgs)).code).toBe(0);
  const first = readJobRecord(out, 'finetune');
  if (!first) throw new Error('no job record');
  const deadline = Date.now() + 60_000;
  while (!fs.existsSync(path.join(out, 'seed-1_mode-tpt', 'run.json')) && Date.now() < deadline) await new Promise(r => setTimeout(r, 200));
  expect((await neurostorm(['jobs', out, '--cancel'])).code).toBeLessThanOrEqual(1);
  const cancelled = await followJob(first, { env: cluster.env, timeoutS: 60, pollMs: 250 });
  expect(cancelled.counts.cancelled).toBeGreaterThan(0);
  const leftRuns = fs.readdirSync(out).filter(f => f.startsWith('seed-'));
  for (const run of leftRuns) {
    const file = path.join(out, run, 'run.json');
    if (fs.existsSync(file)) expect(['running', 'interrupted', 'done']).toContain(JSON.parse(fs.readFileSync(file, 'utf8')).status);
  }
  // Run again with --wait: the unfinished points are resubmitted, their partial run folders set aside.
  const r = await neurostorm([...sweepArgs, '--wait', '--json']);
  // On failure the message carries each failed task's exit code and log tail.
  if (r.code !== 0) throw new Error(`sweep exited ${r.code}: ${r.err.split('\n').slice(-40).join('\n')}`);
  const result = JSON.parse(r.out) as Omit<ClusterJobsResult, 'kind'>;
  expect(result.jobs).toHaveLength(1);
  expect(result.jobs[0].counts.done).toBe(4);
  const sweep = result.sweep ?? [];
  expect(sweep.map(row => row.point)).toEqual([
    { seed: '1', mode: 'tpt' },
    { seed: '1', mode: 'probe' },
    { seed: '2', mode: 'tpt' },
    { seed: '2', mode: 'probe' }
  ]);
  for (const row of sweep) {
    expect(row.run).toBe(path.join(out, `seed-${row.point.seed}_mode-${row.point.mode}`));
    expect(JSON.parse(fs.readFileSync(path.join(row.run, 'run.json'), 'utf8'))).toMatchObject({ status: 'done', mode: row.point.mode, seed: Number(row.point.seed) });
    const auroc = row.metrics.auroc;
    expect(auroc.value).toBeGreaterThanOrEqual(0);
    expect(auroc.value).toBeLessThanOrEqual(1);
    expect(auroc.ci[0] as number).toBeLessThanOrEqual(auroc.value as number);
    expect(row.baseline?.name).toBe('fc-logistic');
    expect(row.baseline?.metrics.auroc.value).toBeGreaterThanOrEqual(0);
  }
  // The two modes of one seed share their split, so their baseline (fit on that split) is the same.
  expect(sweep[0].baseline).toEqual(sweep[1].baseline);
  // One table: a header and a row per point, each metric with its interval and the baseline's.
  const text = formatClusterJobs({ kind: 'cluster-jobs', ...result }).split('\n');
  const header = text.findIndex(l => /^seed\s+mode\s+/.test(l));
  expect(text[header]).toMatch(/auroc\s+auroc \(fc-logistic\)/);
  expect(text.slice(header + 1)).toHaveLength(4);
  expect(text[header + 2]).toMatch(/^1\s+probe\s+\S+ \[\S+, \S+\]/);
  const record = readJobRecord(out, 'finetune');
  expect(record?.jobIds).toHaveLength(2);
  const unfinished = cancelled.tasks.filter(t => t.state !== 'done').map(t => t.index);
  expect(record?.submitted).toEqual(unfinished);
  const setAside = fs.existsSync(path.join(out, 'slurm', 'set-aside')) ? fs.readdirSync(path.join(out, 'slurm', 'set-aside')) : [];
  expect(setAside.length).toBe(leftRuns.filter(run => unfinished.some(i => cancelled.tasks[i].label === run)).length);
  expect(setAside.length).toBeGreaterThan(0);
  const script = fs.readFileSync(path.join(out, 'slurm', 'finetune.sbatch'), 'utf8');
  expect(script).toMatch(/^# neurostorm finetune: 4 array tasks/m);

  // A sweep point is the same run as the same finetune made locally.
  const local = path.join(work, 'local');
  const l = await neurostorm(['finetune', ...common(), '--seed', '2', '--mode', 'probe', '--out', local]);
  expect(l.code).toBe(0);
  const predictions = (run: string) => JSON.parse(fs.readFileSync(path.join(run, 'predictions.json'), 'utf8'));
  expect(predictions(path.join(out, 'seed-2_mode-probe'))).toEqual(predictions(local));
});
