/**
 * `neurostorm preprocess DATASET --slurm`: one array task per run (`preprocess DATASET --out DIR
 * --shard K/N`), each building its run's cache with the same code, keys and lock files as a local
 * run, so the caches are the same bytes. With `wait`, the gathered report is what a local
 * preprocess returns (every cache is then valid and reused, nothing is recomputed).
 */
import * as path from 'path';
import { openBids, preprocess, PreprocessReport } from '../data';
import { ArrayRun, ClusterRunOptions, runArrayJob } from './array';
import { requireAllDone } from './job';

export interface PreprocessJobOptions extends ClusterRunOptions {
  cacheDir?: string;
  force?: boolean;
  useMasks?: boolean;
}

export interface PreprocessJob extends ArrayRun {
  /** With `wait` and every task done: the same report a local preprocess gives. */
  report: PreprocessReport | null;
}

export async function preprocessOnSlurm(dataset: string, options: PreprocessJobOptions): Promise<PreprocessJob> {
  const ds = await openBids(dataset);
  const cacheDir = path.resolve(options.cacheDir ?? path.join(ds.root, 'derivatives', 'neurostorm'));
  const count = ds.runs.length;
  const tasks = ds.runs.map((run, i) => ({
    label: path.relative(ds.root, run.file),
    argv: [
      'preprocess',
      ds.root,
      '--out',
      cacheDir,
      '--shard',
      `${i}/${count}`,
      ...(options.force ? ['--force'] : []),
      ...(options.useMasks === false ? ['--ignore-masks'] : [])
    ]
  }));
  const job = await runArrayJob(cacheDir, 'preprocess', tasks, options);
  if (!options.wait) return { ...job, report: null };
  requireAllDone(job.status);
  const report = await preprocess(ds, { cacheDir, useMasks: options.useMasks, allowFailures: true, signal: options.signal });
  return { ...job, report };
}
