/**
 * An array job we submitted: its record (OUT/slurm/<name>.json), the state of each task, following
 * it until every task has left the queue, and the report of tasks that failed (exit code and the
 * tail of their log). A task's state comes from its exit file first (written by the job script),
 * then from squeue; a task that left the queue without an exit file was cancelled or killed.
 */
import * as fs from 'fs';
import { ConfigError, PartialFailureError, UsageError } from '../errors';
import { writeFileAtomicSync } from '../io/atomic';
import { LongWorkOptions, checkAborted } from '../progress';
import { ArrayJobSpec, writeJobScript } from './job-script';
import { JobFiles, jobFiles } from './paths';
import { sbatch, squeue } from './slurm';

export const JOB_FORMAT = 'neurostorm-slurm-job/1';

export interface JobRecord {
  format: typeof JOB_FORMAT;
  name: string;
  out: string;
  /** Every submission of this job, oldest first; the last is the one followed. */
  jobIds: string[];
  /** Each task's neurostorm arguments and a short label (a run, a sweep point). */
  tasks: { argv: string[]; label: string }[];
  /** Task indices of the last submission. */
  submitted: number[];
}

export type TaskState = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'not submitted';
export const TASK_STATES: readonly TaskState[] = ['pending', 'running', 'done', 'failed', 'cancelled', 'not submitted'];

export interface TaskStatus {
  index: number;
  label: string;
  state: TaskState;
  /** The command's exit code when it ended (done: 0, failed: not 0), else null. */
  exitCode: number | null;
  log: string;
  /** The last lines of a failed or cancelled task's log. */
  logTail: string[];
}

export interface JobStatus {
  name: string;
  out: string;
  jobId: string;
  script: string;
  tasks: TaskStatus[];
  counts: Record<TaskState, number>;
}

/** Consecutive failed squeue polls (each bounded by its own timeout) before following gives up. */
const MAX_MISSED_POLLS = 5;

/** How many lines of a failed task's log a report shows. */
export const LOG_TAIL_LINES = 12;

export function readJobRecord(out: string, name: string): JobRecord | null {
  const files = jobFiles(out, name);
  if (!fs.existsSync(files.record)) return null;
  const record = JSON.parse(fs.readFileSync(files.record, 'utf8')) as JobRecord;
  if (record.format !== JOB_FORMAT) throw new UsageError(`not a neurostorm Slurm job record`, { file: files.record });
  return record;
}

function exitCode(files: JobFiles, task: number): number | null {
  try {
    const text = fs.readFileSync(files.exit(task), 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

function tail(file: string, lines: number): string[] {
  try {
    const all = fs.readFileSync(file, 'utf8').replace(/\s+$/, '').split('\n');
    return all.slice(-lines);
  } catch {
    return [];
  }
}

/** The tasks that still need running: every task whose last attempt did not exit 0. */
export function unfinishedTasks(out: string, name: string, count: number): number[] {
  const files = jobFiles(out, name);
  return Array.from({ length: count }, (_, i) => i).filter(i => exitCode(files, i) !== 0);
}

/**
 * Writes the job script and submits the tasks in `spec.submit` (all by default). Their old exit
 * files are removed first, so a resubmitted task reads as pending, not as its previous failure.
 */
export function submitArrayJob(out: string, spec: ArrayJobSpec, labels: string[], env: NodeJS.ProcessEnv): JobRecord {
  const files = jobFiles(out, spec.name);
  const submit = spec.submit ?? spec.tasks.map((_, i) => i);
  writeJobScript(files, { ...spec, submit });
  for (const i of submit) fs.rmSync(files.exit(i), { force: true });
  const jobId = sbatch(files.script, env);
  const previous = readJobRecord(out, spec.name);
  const record: JobRecord = {
    format: JOB_FORMAT,
    name: spec.name,
    out,
    jobIds: [...(previous?.jobIds ?? []), jobId],
    tasks: spec.tasks.map((argv, i) => ({ argv, label: labels[i] ?? String(i) })),
    submitted: submit
  };
  writeFileAtomicSync(files.record, JSON.stringify(record, null, 2) + '\n');
  return record;
}

/** Each task's state now. */
export function jobStatus(record: JobRecord, env: NodeJS.ProcessEnv): JobStatus {
  const files = jobFiles(record.out, record.name);
  const jobId = record.jobIds[record.jobIds.length - 1];
  const queue = squeue(jobId, env);
  const submitted = new Set(record.submitted);
  const tasks = record.tasks.map(({ label }, index): TaskStatus => {
    const code = exitCode(files, index);
    const queued = submitted.has(index) ? queue.get(index) : undefined;
    const state: TaskState =
      code !== null ? (code === 0 ? 'done' : 'failed') : queued ?? (submitted.has(index) ? 'cancelled' : 'not submitted');
    const log = files.log(index);
    return { index, label, state, exitCode: code, log, logTail: state === 'failed' || state === 'cancelled' ? tail(log, LOG_TAIL_LINES) : [] };
  });
  const counts = Object.fromEntries(TASK_STATES.map(s => [s, tasks.filter(t => t.state === s).length])) as Record<TaskState, number>;
  return { name: record.name, out: record.out, jobId, script: files.script, tasks, counts };
}

export function finished(status: JobStatus): boolean {
  return status.counts.pending + status.counts.running === 0;
}

export interface FollowOptions extends LongWorkOptions {
  env: NodeJS.ProcessEnv;
  /** Give up following after this many seconds (the job keeps running); default: no limit. */
  timeoutS?: number;
  pollMs?: number;
}

/** A one-line summary of the states, e.g. "2 running, 1 done, 1 failed". */
export function stateLine(status: JobStatus): string {
  return TASK_STATES.filter(s => status.counts[s] > 0)
    .map(s => `${status.counts[s]} ${s}`)
    .join(', ');
}

/**
 * Follows the job until no task is pending or running (or `timeoutS` passes, or the signal fires:
 * the job keeps running either way), reporting the states as progress. Returns the last status.
 */
export async function followJob(record: JobRecord, options: FollowOptions): Promise<JobStatus> {
  const start = Date.now();
  const total = record.submitted.length;
  let misses = 0;
  for (;;) {
    let status: JobStatus;
    try {
      status = jobStatus(record, options.env);
      misses = 0;
    } catch (err) {
      // A busy controller may miss one poll (squeue timing out); only a controller that stays
      // silent for several polls in a row ends the follow.
      if (!(err instanceof ConfigError) || ++misses >= MAX_MISSED_POLLS) throw err;
      checkAborted(options.signal, `following Slurm job ${record.jobIds[record.jobIds.length - 1]}`);
      await new Promise(resolve => setTimeout(resolve, options.pollMs ?? 1000));
      continue;
    }
    const ended = record.submitted.filter(i => ['done', 'failed', 'cancelled'].includes(status.tasks[i].state)).length;
    options.onProgress?.({ label: `slurm ${record.name}`, step: ended, totalSteps: total, message: `job ${status.jobId}: ${stateLine(status)}` });
    if (finished(status)) return status;
    if (options.timeoutS !== undefined && Date.now() - start > options.timeoutS * 1000) return status;
    checkAborted(options.signal, `following Slurm job ${status.jobId}`);
    await new Promise(resolve => setTimeout(resolve, options.pollMs ?? 1000));
  }
}

/**
 * Throws a PartialFailureError naming every task that failed (exit code, log tail) or was
 * cancelled, or that is still queued; returns quietly when every task is done.
 */
export function requireAllDone(status: JobStatus): void {
  const bad = status.tasks.filter(t => t.state !== 'done');
  if (!bad.length) return;
  const failures = bad.map(t => ({
    file: t.log,
    code: t.state === 'failed' ? `E_EXIT_${t.exitCode}` : `E_${t.state.toUpperCase().replace(' ', '_')}`,
    reason:
      `task ${t.index} (${t.label}) ${t.state === 'failed' ? `exited with code ${t.exitCode}` : t.state}` +
      (t.logTail.length ? `; log tail:\n    ${t.logTail.join('\n    ')}` : '')
  }));
  throw new PartialFailureError(
    `${bad.length} of ${status.tasks.length} tasks of Slurm job ${status.jobId} did not finish: ${failures.map(f => f.reason).join('\n')}`,
    failures,
    { file: status.script, hint: 'fix the cause and run the same command again: only the missing and failed tasks are resubmitted' }
  );
}
