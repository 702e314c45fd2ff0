/**
 * `neurostorm finetune ... --sweep seed=1,2 mode=tpt,probe --slurm`: one array task per sweep
 * point, each `neurostorm finetune` with the point's values and `--out OUT/<point>` (an ordinary
 * run folder). Gathering evaluates every finished run (ns.evaluate: metrics with intervals and the
 * FC baseline on the same split) into one table, a row per point.
 */
import * as fs from 'fs';
import * as path from 'path';
import { evaluate, Evaluation } from '../eval';
import { ArrayRun, ClusterRunOptions, runArrayJob } from './array';
import { requireAllDone } from './job';
import { pointName, SweepPoint } from './sweep';

export interface SweepRow {
  point: SweepPoint;
  run: string;
  task: string;
  metrics: Evaluation['metrics'];
  baseline: Evaluation['baseline'];
}

export interface SweepJob extends ArrayRun {
  /** With `wait` and every point done: one row per point, in sweep order. */
  rows: SweepRow[] | null;
}

/**
 * `argvFor(point, runFolder)` gives the finetune arguments of one point (the caller's flags with
 * the point's values and `--out` replaced).
 */
export async function finetuneSweepOnSlurm(
  out: string,
  points: SweepPoint[],
  argvFor: (point: SweepPoint, run: string) => string[],
  options: ClusterRunOptions
): Promise<SweepJob> {
  const root = path.resolve(out);
  const tasks = points.map(point => ({ label: pointName(point), argv: argvFor(point, path.join(root, pointName(point))) }));
  // A point that failed or was cancelled left a run folder the next finetune would refuse (not new,
  // not empty): it is set aside under OUT/slurm/set-aside/ (kept for its logs), and the point reruns.
  const setAside = (todo: number[]) => {
    for (const i of todo) {
      const run = path.join(root, pointName(points[i]));
      if (!fs.existsSync(run)) continue;
      const aside = path.join(root, 'slurm', 'set-aside', `${pointName(points[i])}-${Date.now()}`);
      fs.mkdirSync(path.dirname(aside), { recursive: true });
      fs.renameSync(run, aside);
    }
  };
  const job = await runArrayJob(root, 'finetune', tasks, options, { beforeSubmit: setAside });
  if (!options.wait) return { ...job, rows: null };
  requireAllDone(job.status);
  return { ...job, rows: await gatherSweep(root, points, options.signal) };
}

/** Evaluates every point's run folder under `out` into one row each. */
export async function gatherSweep(out: string, points: SweepPoint[], signal?: AbortSignal): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const point of points) {
    const run = path.join(out, pointName(point));
    const e = await evaluate(run, { signal });
    rows.push({ point, run, task: e.task, metrics: e.metrics, baseline: e.baseline });
  }
  return rows;
}
