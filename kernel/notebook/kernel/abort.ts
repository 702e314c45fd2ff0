/**
 * The abort signal of the running cell (design.md: "Long calls check an abort signal at safe points").
 *
 * The kernel runs each cell inside `runWithSignal`, so API calls made by the cell, however deep, find
 * the cell's signal through `currentSignal()` without the user passing it. An interrupt
 * (interrupt_request or SIGINT) aborts that signal; long calls notice it at their next `safePoint`.
 * Outside the kernel `currentSignal()` is a signal that never fires.
 */
import { AbortedError } from '../../errors';
import { ambientSignal, runWithSignal } from '../../progress';

export { runWithSignal };

const neverAborted = new AbortController().signal;

/** The running cell's abort signal (kernel/progress.ts's ambient signal; one that never fires outside a cell). */
export function currentSignal(): AbortSignal {
  return ambientSignal() ?? neverAborted;
}

/** Throws AbortedError if `signal` has fired. */
export function throwIfAborted(signal: AbortSignal = currentSignal(), what = 'work'): void {
  if (signal.aborted)
    throw new AbortedError(`${what} interrupted`, {
      hint: 'the kernel is still running; run the cell again to restart it'
    });
}

/**
 * How long work may run between two yields to the event loop. An interrupt_request arrives as a
 * ZeroMQ message, which is only read when the event loop turns, so a loop that never yields could
 * not be interrupted by message.
 */
const YIELD_EVERY_MS = 50;
let lastYield = Date.now();

/**
 * A safe point for long loops: yields to the event loop every ~50 ms (so interrupts get through),
 * then throws AbortedError if the signal fired. Cheap enough to call once per step.
 */
export async function safePoint(signal: AbortSignal = currentSignal(), what = 'work'): Promise<void> {
  throwIfAborted(signal, what);
  if (Date.now() - lastYield >= YIELD_EVERY_MS) {
    await new Promise<void>(resolve => setImmediate(resolve));
    lastYield = Date.now();
    throwIfAborted(signal, what);
  }
}
