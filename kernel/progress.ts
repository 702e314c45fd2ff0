/**
 * THE progress event and abort contract of long work, below every layer like errors.ts (design.md:
 * long work reports typed progress events and checks an abort signal at safe points). Data, models
 * and training report these events; the CLI draws bars from them and the kernel its progress widget.
 */
import { AsyncLocalStorage } from 'async_hooks';
import { AbortedError } from './errors';

export interface ProgressEvent {
  /** What is running, e.g. "synth" or "preprocess". */
  label: string;
  step: number;
  totalSteps: number;
  message?: string;
}

export interface LongWorkOptions {
  onProgress?: (event: ProgressEvent) => void;
  /** Checked between runs/subjects; aborting stops the work with AbortedError. */
  signal?: AbortSignal;
}

/**
 * The ambient abort signal. Whoever runs user work (the kernel, per cell) runs it inside
 * `runWithSignal`; every call it makes, however deep and however many awaits later, then finds that
 * signal through `ambientSignal()` without anyone passing it. Lower layers (runtime sessions, data
 * loops) consult it at their safe points; they never import the notebook.
 */
const ambient = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as the ambient signal of everything it calls, synchronously or not. */
export function runWithSignal<T>(signal: AbortSignal, fn: () => T): T {
  return ambient.run(signal, fn);
}

/** The ambient signal of the running work, or undefined outside any `runWithSignal`. */
export function ambientSignal(): AbortSignal | undefined {
  return ambient.getStore();
}

/** A safe point: throws AbortedError when `signal` (default: the ambient signal) fired. */
export function checkAborted(signal: AbortSignal | undefined, what: string): void {
  signal ??= ambient.getStore();
  if (signal?.aborted)
    throw new AbortedError(`${what} interrupted`, {
      hint: 'files already written are complete; run again to redo the rest'
    });
}
