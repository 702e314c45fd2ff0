/**
 * Submit-or-resume of one named array job in an output folder: the first call submits every task;
 * a later call with the same tasks resubmits only those that are missing or failed (a task whose
 * last attempt exited 0 is kept), and submits nothing when all are done. Then, with `wait`,
 * follows the job to its end.
 */
import { followJob, FollowOptions, JobRecord, JobStatus, jobStatus, readJobRecord, submitArrayJob, unfinishedTasks } from './job';
import { SlurmOptions } from './options';
import { rememberJob } from './submitted';

export interface ClusterRunOptions extends FollowOptions {
  slurm: SlurmOptions;
  /** Follow the job until every task ended. */
  wait: boolean;
}

export interface ArrayJobHooks {
  /** Called with the task indices about to be (re)submitted, before sbatch (e.g. to set a failed run folder aside). */
  beforeSubmit?: (tasks: number[]) => void;
}

export interface ArrayRun {
  record: JobRecord;
  status: JobStatus;
  /** Whether this call submitted anything (false when every task had already succeeded). */
  submitted: boolean;
}

export async function runArrayJob(
  out: string,
  name: string,
  tasks: { argv: string[]; label: string }[],
  options: ClusterRunOptions,
  hooks: ArrayJobHooks = {}
): Promise<ArrayRun> {
  const previous = readJobRecord(out, name);
  // Same tasks (the same commands in the same order): keep what succeeded.
  const same = previous !== null && JSON.stringify(previous.tasks.map(t => t.argv)) === JSON.stringify(tasks.map(t => t.argv));
  const todo = same ? unfinishedTasks(out, name, tasks.length) : tasks.map((_, i) => i);
  let record = previous as JobRecord;
  if (todo.length) {
    hooks.beforeSubmit?.(todo);
    record = submitArrayJob(
      out,
      { name, tasks: tasks.map(t => t.argv), submit: todo, slurm: options.slurm },
      tasks.map(t => t.label),
      options.env
    );
  }
  rememberJob(out, name);
  const status = options.wait ? await followJob(record, options) : jobStatus(record, options.env);
  return { record, status, submitted: todo.length > 0 };
}
