/**
 * How both front ends describe Slurm jobs (`--slurm`, `jobs`): a state line per job, a row per
 * task that needs attention (failed or cancelled, with its exit code and log tail), and a gathered
 * sweep as one table (a row per point: each metric with its interval, the baseline beside).
 */
import type { MetricValue } from '../eval';
import type { JobStatus, SweepRow } from '../cluster';
import { stateLine } from '../cluster';
import { ClusterJobsResult } from './results';

function valueWithInterval(v: MetricValue | undefined): string {
  if (!v) return 'n/a';
  const f = (x: number | null) => (x === null ? 'n/a' : Number(x.toPrecision(3)).toString());
  return `${f(v.value)} [${f(v.ci[0])}, ${f(v.ci[1])}]`;
}

/** "2 running, 1 done" for a job (both front ends' caption). */
export function stateLineOf(job: JobStatus): string {
  return stateLine(job);
}

/** The sweep as header + rows: the point's values, then model and baseline per metric. */
export function sweepTable(rows: readonly SweepRow[]): { head: string[]; cells: string[][] } {
  const axes = [...new Set(rows.flatMap(r => Object.keys(r.point)))];
  const metrics = [...new Set(rows.flatMap(r => Object.keys(r.metrics)))];
  const baseName = rows.find(r => r.baseline)?.baseline?.name ?? 'baseline';
  const head = [...axes, ...metrics.flatMap(m => [m, `${m} (${baseName})`])];
  const cells = rows.map(r => [
    ...axes.map(a => r.point[a] ?? ''),
    ...metrics.flatMap(m => [valueWithInterval(r.metrics[m]), valueWithInterval(r.baseline?.metrics[m])])
  ]);
  return { head, cells };
}

/** A job's task rows: index, label, state, exit code, log. */
export function taskRows(job: JobStatus): string[][] {
  return job.tasks.map(t => [String(t.index), t.label, t.state, t.exitCode === null ? '' : String(t.exitCode), t.log]);
}

export function describeJob(job: JobStatus): string {
  const lines = [`slurm job ${job.jobId} (${job.name}, ${job.tasks.length} tasks): ${stateLine(job)}`, `  script ${job.script}`];
  for (const t of job.tasks.filter(t => t.state === 'failed' || t.state === 'cancelled')) {
    lines.push(`  task ${t.index} ${t.label}: ${t.state}${t.exitCode === null ? '' : ` (exit code ${t.exitCode})`}, log ${t.log}`);
    for (const l of t.logTail) lines.push(`    | ${l}`);
  }
  return lines.join('\n');
}

function formatTable(head: string[], cells: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map(r => r[i].length)));
  return [head, ...cells].map(r => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function formatClusterJobs(result: ClusterJobsResult): string {
  const parts = result.jobs.length ? result.jobs.map(describeJob) : ['no Slurm jobs'];
  if (result.sweep) {
    const { head, cells } = sweepTable(result.sweep);
    parts.push(formatTable(head, cells));
  }
  return parts.join('\n');
}

/** Whether every task of every job ended well (the CLI's exit code). */
export function jobsSucceeded(result: ClusterJobsResult): boolean {
  return result.jobs.every(j => j.counts.failed + j.counts.cancelled === 0);
}
