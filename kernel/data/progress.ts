/**
 * Progress and interruption for long data work (design.md: long work reports typed progress events
 * and checks an abort signal at safe points). The CLI draws bars from these events; the kernel maps
 * them to its progress widget.
 */
import { AbortedError } from '../errors';

export interface DataProgress {
  /** What is running, e.g. "synth" or "preprocess". */
  label: string;
  step: number;
  totalSteps: number;
  message?: string;
}

export interface LongWorkOptions {
  onProgress?: (event: DataProgress) => void;
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
