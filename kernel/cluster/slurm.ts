/**
 * The three Slurm commands we use: sbatch (submit), squeue (what is still queued or running) and
 * scancel. Every call is bounded (a hung controller becomes an error, never a hung notebook).
 * Slurm finds its cluster the usual way (SLURM_CONF or /etc/slurm), which the caller's env carries.
 */
import { spawnSync } from 'child_process';
import { ConfigError } from '../errors';

const CALL_TIMEOUT_MS = 30_000;

function slurm(command: string, args: string[], env: NodeJS.ProcessEnv): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: CALL_TIMEOUT_MS });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(missing ? `${command} is not on PATH: this machine is not a Slurm login node` : `${command} failed: ${r.error.message}`, {
      hint: missing ? 'run on a machine with the Slurm client commands (sbatch, squeue, scancel), or drop --slurm' : 'check that slurmctld answers (sinfo)'
    });
  }
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status ?? 1 };
}

/** Submits a job script; returns the job id. */
export function sbatch(script: string, env: NodeJS.ProcessEnv): string {
  const r = slurm('sbatch', ['--parsable', script], env);
  const id = r.stdout.trim().split(';')[0];
  if (r.status !== 0 || !/^\d+$/.test(id))
    throw new ConfigError(`sbatch refused the job: ${r.stderr.trim() || r.stdout.trim()}`, {
      file: script,
      hint: 'check the Slurm options (--partition, --time, --mem, ...) against sinfo'
    });
  return id;
}

export type QueueState = 'pending' | 'running';

/** The array tasks of `jobId` still in the queue, by task index (pending or running). */
export function squeue(jobId: string, env: NodeJS.ProcessEnv): Map<number, QueueState> {
  const r = slurm('squeue', ['-h', '-r', '-j', jobId, '-o', '%K %T'], env);
  const states = new Map<number, QueueState>();
  // A job that has left the controller's memory is "Invalid job id": nothing is queued.
  if (r.status !== 0) {
    if (/invalid job id/i.test(r.stderr)) return states;
    throw new ConfigError(`squeue failed for job ${jobId}: ${r.stderr.trim()}`, { hint: 'check that slurmctld answers (sinfo)' });
  }
  for (const line of r.stdout.split('\n')) {
    const [task, state] = line.trim().split(/\s+/);
    if (!/^\d+$/.test(task ?? '')) continue;
    states.set(Number(task), state === 'PENDING' || state === 'CONFIGURING' ? 'pending' : 'running');
  }
  return states;
}

/** Cancels a job (every task of an array). */
export function scancel(jobId: string, env: NodeJS.ProcessEnv): void {
  const r = slurm('scancel', [jobId], env);
  if (r.status !== 0) throw new ConfigError(`scancel ${jobId} failed: ${r.stderr.trim()}`);
}
