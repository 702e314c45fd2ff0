/**
 * The CLI's progress display, drawn on stderr from ProgressEvents (kernel/progress.ts): on a
 * terminal one bar redrawn in place (`synth [#####.....] 6/12 sub-06 ses-1 ETA 4 s`); otherwise,
 * for logs and CI, one plain line per event (`synth 6/12 sub-06 ses-1`).
 */
import { ProgressEvent } from '../progress';

const WIDTH = 24;

export interface ProgressSink {
  /** Writes one line (a trailing newline is the writer's). */
  err: (text: string) => void;
  /** Raw writes for in-place redraws; absent when stderr is not a terminal. */
  tty?: { write: (text: string) => void; columns?: number };
}

function eta(started: number, step: number, total: number): string {
  if (step <= 0 || step >= total) return '';
  const seconds = ((Date.now() - started) / 1000 / step) * (total - step);
  return seconds < 90 ? ` ETA ${Math.ceil(seconds)} s` : ` ETA ${Math.ceil(seconds / 60)} min`;
}

/** The bar text of one event (no escape codes), e.g. `preprocess [######......] 3/6 sub-03`. */
export function barText(e: ProgressEvent, started: number): string {
  const total = Math.max(e.totalSteps, 0);
  const fraction = total > 0 ? Math.min(e.step / total, 1) : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
  return `${e.label} ${bar} ${e.step}/${total}${e.message ? ` ${e.message}` : ''}${eta(started, e.step, total)}`;
}

/** A progress callback for one verb run, and `end()` to finish the line it drew. */
export function progressBar(sink: ProgressSink): { onProgress: (e: ProgressEvent) => void; end: () => void } {
  const started = Date.now();
  let drawn = false;
  return {
    onProgress: e => {
      if (!sink.tty) {
        sink.err(`${e.label} ${e.step}/${e.totalSteps}${e.message ? ` ${e.message}` : ''}`);
        return;
      }
      const columns = sink.tty.columns ?? 100;
      sink.tty.write(`\r\x1b[K${barText(e, started).slice(0, columns - 1)}`);
      drawn = true;
    },
    end: () => {
      if (drawn) sink.tty?.write('\n');
      drawn = false;
    }
  };
}
