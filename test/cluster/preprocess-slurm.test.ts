/**
 * `neurostorm preprocess DATASET --out DIR --slurm --wait` on a real single-node Slurm (the
 * harness starts it): one array task per run, caches byte-identical to a local run, a failing task
 * reported with its exit code and log tail, resubmission of only what failed, and scancel leaving
 * no half-written cache. Runs the compiled CLI of this checkout (npm run build:kernel).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth } from '../../kernel/data';
import { readCacheHeader } from '../../kernel/data/frame-cache';
import { followJob, jobStatus, readJobRecord } from '../../kernel/cluster';
import { neurostormCli, requireBuiltCli, startSlurm, SlurmCluster } from './slurm-harness';

/** The CLI against this file's cluster, bounded. */
const neurostorm = (args: string[]) => neurostormCli(cluster.env, args, 150_000);

jest.setTimeout(240_000);

let cluster: SlurmCluster;
let work: string;
let cohort: string;
beforeAll(async () => {
  requireBuiltCli();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-slurm-pre-'));
  cohort = (await synth({ out: path.join(work, 'cohort'), subjects: 3, sessions: 1, frames: 20, seed: 7 })).root;
  cluster = await startSlurm();
});
afterAll(async () => {
  await cluster?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function caches(dir: string): Map<string, Buffer> {
  return new Map(
    fs
      .readdirSync(dir)
      .filter(f => f.endsWith('.nsframes'))
      .sort()
      .map(f => [f, fs.readFileSync(path.join(dir, f))])
  );
}

let local: Map<string, Buffer>;

test('an array of one task per run makes caches byte-identical to a local run, and a job script beside them', async () => {
  const onSlurm = path.join(work, 'slurm-out');
  const viaSlurm = await neurostorm(['preprocess', cohort, '--out', onSlurm, '--slurm', '--wait', '--partition', 'debug', '--time', '10']);
  expect(viaSlurm.err).not.toMatch(/failed/);
  expect(viaSlurm.code).toBe(0);
  const localRun = await neurostorm(['preprocess', cohort, '--out', path.join(work, 'local-out')]);
  expect(localRun.code).toBe(0);
  local = caches(path.join(work, 'local-out'));
  expect(local.size).toBe(3);
  const slurm = caches(onSlurm);
  expect([...slurm.keys()]).toEqual([...local.keys()]);
  for (const [name, bytes] of local) expect(Buffer.compare(slurm.get(name) as Buffer, bytes)).toBe(0);
  // Both report the same runs; the gathered report reused every cache the tasks wrote.
  expect(viaSlurm.out).toMatch(/preprocessed 3 runs of .* \(3 reused\)/);
  const script = fs.readFileSync(path.join(onSlurm, 'slurm', 'preprocess.sbatch'), 'utf8');
  expect(script).toMatch(/^#SBATCH --array=0-2$/m);
  expect(script).toMatch(/^#SBATCH --partition=debug$/m);
  expect(script).toMatch(/^#SBATCH --time=10$/m);
  expect(script).toContain('--shard 2/3');
  // Running it again submits nothing: every task already succeeded.
  const again = await neurostorm(['preprocess', cohort, '--out', onSlurm, '--slurm', '--wait']);
  expect(again.code).toBe(0);
  expect(readJobRecord(onSlurm, 'preprocess')?.jobIds).toHaveLength(1);
});

test('a failing task is reported with its exit code and log tail; resubmitting reruns only that task', async () => {
  const broken = path.join(work, 'broken');
  fs.cpSync(cohort, broken, { recursive: true });
  const bad = fs.readdirSync(path.join(broken, 'sub-02'), { recursive: true }).map(String).find(f => /_bold\.nii(\.gz)?$/.test(f)) as string;
  const badFile = path.join(broken, 'sub-02', bad);
  const original = fs.readFileSync(badFile);
  fs.truncateSync(badFile, Math.floor(original.length / 2));
  const out = path.join(work, 'broken-out');
  const failed = await neurostorm(['preprocess', broken, '--out', out, '--slurm', '--wait']);
  expect(failed.code).toBe(1);
  expect(failed.err).toMatch(/1 of 3 tasks of Slurm job \d+ did not finish/);
  expect(failed.err).toMatch(/task 1 \(sub-02\/.*_bold\.nii(\.gz)?\) exited with code 1/);
  // The log tail names the real cause, as the task's own CLI printed it.
  expect(failed.err).toMatch(/log tail:[\s\S]*(truncated|corrupt)/);
  expect(caches(out).size).toBe(2);
  fs.writeFileSync(badFile, original);
  const fixed = await neurostorm(['preprocess', broken, '--out', out, '--slurm', '--wait']);
  expect(fixed.code).toBe(0);
  const record = readJobRecord(out, 'preprocess');
  expect(record?.jobIds).toHaveLength(2);
  expect(record?.submitted).toEqual([1]);
  const got = caches(out);
  expect(got.size).toBe(3);
  // Every cache is whole (its header reads and counts the 20 frames of the cohort's runs).
  for (const name of got.keys()) expect((await readCacheHeader(path.join(out, name))).frames).toBe(20);
});

test('scancel stops the array and leaves no half-written cache; a rerun completes it', async () => {
  const out = path.join(work, 'cancel-out');
  const submitted = await neurostorm(['preprocess', cohort, '--out', out, '--slurm']);
  expect(submitted.code).toBe(0);
  expect(submitted.out).toMatch(/slurm job \d+ \(preprocess, 3 tasks\)/);
  const record = readJobRecord(out, 'preprocess');
  if (!record) throw new Error('no job record');
  // Cancel once a task runs (bounded wait), so both running and pending tasks are cancelled.
  const deadline = Date.now() + 60_000;
  while (jobStatus(record, cluster.env).counts.running === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 200));
  const cancelled = await neurostorm(['jobs', out, '--cancel']);
  expect(cancelled.code).toBeLessThanOrEqual(1);
  const status = await followJob(record, { env: cluster.env, timeoutS: 60, pollMs: 250 });
  expect(status.counts.pending + status.counts.running).toBe(0);
  expect(status.counts.cancelled).toBeGreaterThan(0);
  // Whatever cache exists is whole: the same bytes as the local run.
  for (const [name, bytes] of caches(out)) expect(Buffer.compare(bytes, local.get(name) as Buffer)).toBe(0);
  const listed = await neurostorm(['jobs', out]);
  expect(listed.out).toMatch(/cancelled/);
  const rerun = await neurostorm(['preprocess', cohort, '--out', out, '--slurm', '--wait']);
  expect(rerun.code).toBe(0);
  const done = caches(out);
  expect(done.size).toBe(3);
  for (const [name, bytes] of local) expect(Buffer.compare(done.get(name) as Buffer, bytes)).toBe(0);
});
