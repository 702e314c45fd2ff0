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

test('a 2 x 2 sweep runs as four array tasks and gathers into one table with the baseline beside', async () => {
  const out = path.join(work, 'sweep');
  const r = await neurostorm(['finetune', ...common(), '--out', out, '--sweep', 'seed=1,2', '--sweep', 'mode=tpt,probe', '--slurm', '--wait', '--json']);
  expect(r.code).toBe(0);
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
  const script = fs.readFileSync(path.join(out, 'slurm', 'finetune.sbatch'), 'utf8');
  expect(script).toMatch(/^#SBATCH --array=0-3$/m);

  // A sweep point is the same run as the same finetune made locally.
  const local = path.join(work, 'local');
  const l = await neurostorm(['finetune', ...common(), '--seed', '2', '--mode', 'probe', '--out', local]);
  expect(l.code).toBe(0);
  const predictions = (run: string) => JSON.parse(fs.readFileSync(path.join(run, 'predictions.json'), 'utf8'));
  expect(predictions(path.join(out, 'seed-2_mode-probe'))).toEqual(predictions(local));
});
