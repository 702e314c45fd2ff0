/**
 * `jobs [DIR]`: the Slurm array jobs written under DIR (DIR/slurm/*.json), or, without DIR, those
 * this process submitted (in a notebook: this notebook's jobs), each with its tasks' states;
 * `--cancel` scancels them (tasks stop at their next safe point; atomic writes leave no half file).
 */
import * as fs from 'fs';
import * as path from 'path';
import { jobFiles, jobsOfThisProcess, jobStatus, readJobRecord, scancel } from '../../cluster';
import { ClusterJobsResult } from '../results';
import { Verb } from '../verb';

function jobsUnder(dir: string): { out: string; name: string }[] {
  const slurmDir = jobFiles(dir, 'x').dir;
  if (!fs.existsSync(slurmDir)) return [];
  return fs
    .readdirSync(slurmDir)
    .filter(f => f.endsWith('.json'))
    .map(f => ({ out: path.resolve(dir), name: f.replace(/\.json$/, '') }));
}

export const JOBS_VERB: Verb<ClusterJobsResult> = {
  name: 'jobs',
  summary: 'Slurm jobs of an output folder (or of this notebook) and the state of each task',
  positionals: [{ name: 'DIR', description: 'output folder of a --slurm command', path: 'dir', optional: true }],
  flags: {
    cancel: { type: 'boolean', description: 'cancel these jobs (scancel)' }
  },
  takesBody: true,
  call: async ({ positionals, flags }, ctx) => {
    const found = positionals[0] ? jobsUnder(positionals[0]) : [...jobsOfThisProcess()];
    const records = found.flatMap(j => readJobRecord(j.out, j.name) ?? []);
    if (flags.cancel === true) for (const r of records) scancel(r.jobIds[r.jobIds.length - 1], ctx.env);
    return { kind: 'cluster-jobs', jobs: records.map(r => jobStatus(r, ctx.env)), sweep: null };
  }
};
