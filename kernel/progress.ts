/**
 * THE progress event and abort contract of long work, below every layer like errors.ts (design.md:
 * long work reports typed progress events and checks an abort signal at safe points). Data, models
 * and training report these events; the CLI draws bars from them and the kernel its progress widget.
 */
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

/** A safe point: throws AbortedError when `signal` fired. */
export function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted)
    throw new AbortedError(`${what} interrupted`, {
      hint: 'files already written are complete; run again to redo the rest'
    });
}
