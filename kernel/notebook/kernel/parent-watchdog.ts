/**
 * A kernel started by `neurostorm run` dies with its parent. Without this, killing the runner (or
 * the runner crashing) left the kernel orphaned under PID 1, at 100% CPU when a cell looped.
 *
 * The check runs in a worker thread: a cell's synchronous `while (true)` blocks the kernel's main
 * thread and every timer on it, but not a worker, and a worker may SIGKILL its own process.
 * Jupyter-managed kernels do not set the variable; their manager owns their lifetime.
 */
import { Worker } from 'worker_threads';
import { PARENT_PID_ENV } from '../../verbs/jupyter/kernel-env';

export { PARENT_PID_ENV };

/** How often the worker checks that the parent lives. */
export const WATCH_INTERVAL_MS = 500;

const WATCHER = `
const { workerData } = require('worker_threads');
const alive = pid => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
setInterval(() => {
  if (!alive(workerData.parent)) process.kill(workerData.self, 'SIGKILL');
}, workerData.interval);
`;

/** Starts the watchdog when `parentPid` names a process (the env var's value); otherwise does nothing. */
export function watchParent(parentPid: string | undefined): void {
  const parent = Number(parentPid);
  if (!Number.isSafeInteger(parent) || parent <= 1) return;
  const worker = new Worker(WATCHER, {
    eval: true,
    workerData: { parent, self: process.pid, interval: WATCH_INTERVAL_MS }
  });
  // The watchdog never keeps the kernel alive by itself.
  worker.unref();
}
