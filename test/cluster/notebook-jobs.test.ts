/**
 * The notebook front end of Slurm jobs on a real single-node Slurm: `%neurostorm preprocess ...
 * --slurm --wait` follows the array with the progress display and gives the same value as the
 * local magic; `%neurostorm jobs` lists the jobs this notebook (this kernel process) submitted,
 * as a table of task states.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synth } from '../../kernel/data';
import { runMagic } from '../../kernel/notebook/magic';
import { setDisplaySink } from '../../kernel/notebook/display/display';
import type { MimeBundle } from '../../kernel/verbs/jupyter/wire';
import type { ClusterJobsResult } from '../../kernel/verbs';
import { requireBuiltCli, startSlurm, SlurmCluster } from './slurm-harness';

jest.setTimeout(200_000);

let cluster: SlurmCluster;
let work: string;
let data: string;
const savedConf = process.env.SLURM_CONF;
beforeAll(async () => {
  requireBuiltCli();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ns-slurm-nb-'));
  data = (await synth({ out: path.join(work, 'cohort'), subjects: 2, sessions: 1, frames: 20, seed: 5 })).root;
  cluster = await startSlurm();
  process.env.SLURM_CONF = cluster.env.SLURM_CONF;
});
afterAll(async () => {
  if (savedConf === undefined) delete process.env.SLURM_CONF;
  else process.env.SLURM_CONF = savedConf;
  await cluster?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('%neurostorm preprocess --slurm --wait, then %neurostorm jobs shows this notebook\'s job and its task states', async () => {
  const shown: MimeBundle[] = [];
  setDisplaySink({ display: b => shown.push(b), update: b => shown.push(b) });
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const out = path.join(work, 'caches');
    const viaSlurm = (await runMagic(`preprocess ${data} --out ${out} --slurm --wait`)) as { runs: unknown[]; failures: unknown[] };
    expect(viaSlurm.runs).toHaveLength(2);
    expect(viaSlurm.failures).toEqual([]);
    const local = (await runMagic(`preprocess ${data} --out ${out}`)) as { runs: { cache: string }[] };
    expect(local.runs.map(r => r.cache)).toEqual((viaSlurm.runs as { cache: string }[]).map(r => r.cache));
    // The progress display followed the array's states.
    const texts = shown.map(b => String((b.data as Record<string, unknown>)['text/plain'] ?? ''));
    expect(texts.some(t => /^preprocess: .* - job \d+: .*\d+ (pending|running)/.test(t))).toBe(true);
    expect(texts.some(t => /^preprocess: done, .* - job \d+: 2 done$/.test(t))).toBe(true);
    shown.length = 0;
    const jobs = (await runMagic('jobs')) as ClusterJobsResult;
    expect(jobs.jobs).toHaveLength(1);
    expect(jobs.jobs[0]).toMatchObject({ name: 'preprocess', counts: { done: 2, failed: 0, cancelled: 0 } });
    const table = shown.map(b => String((b.data as Record<string, unknown>)['text/plain'] ?? '')).join('\n');
    expect(table).toMatch(/slurm job \d+ \(preprocess\): 2 done/);
    expect(table.split('\n').filter(l => /^\d\s+sub-0\d\/.*\s+done\s+0\s/.test(l))).toHaveLength(2);
  } finally {
    setDisplaySink(null);
    jest.restoreAllMocks();
  }
});
