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

/** Numbers a training loop adds to its events (kernel/train/loop.ts); shown after the bar. */
interface TrainFields {
  loss?: number;
  lr?: number;
  metric?: { name: string; value: number };
  clipsPerSecond?: number;
  etaSeconds?: number;
}

function eta(e: ProgressEvent & TrainFields, started: number): string {
  const total = e.totalSteps;
  if (e.step <= 0 || e.step >= total) return '';
  const seconds = e.etaSeconds ?? ((Date.now() - started) / 1000 / e.step) * (total - e.step);
  return seconds < 90 ? ` ETA ${Math.ceil(seconds)} s` : ` ETA ${Math.ceil(seconds / 60)} min`;
}

/** `loss 0.6931 lr 1.0e-3 valid_auroc 0.8125 12.3 clips/s` for training events, else nothing. */
function trainText(e: ProgressEvent & TrainFields): string {
  const parts: string[] = [];
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toPrecision(4)}`);
  if (e.lr !== undefined) parts.push(`lr ${e.lr.toExponential(1)}`);
  if (e.metric) parts.push(`valid_${e.metric.name} ${e.metric.value.toPrecision(4)}`);
  if (e.clipsPerSecond !== undefined) parts.push(`${e.clipsPerSecond.toPrecision(3)} clips/s`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** The bar text of one event (no escape codes), e.g. `preprocess [######......] 3/6 sub-03`. */
export function barText(e: ProgressEvent & TrainFields, started: number): string {
  const total = Math.max(e.totalSteps, 0);
  const fraction = total > 0 ? Math.min(e.step / total, 1) : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`;
  return `${e.label} ${bar} ${e.step}/${total}${e.message ? ` ${e.message}` : ''}${trainText(e)}${eta(e, started)}`;
}

/** A progress callback for one verb run, and `end()` to finish the line it drew. */
export function progressBar(sink: ProgressSink): { onProgress: (e: ProgressEvent) => void; end: () => void } {
  const started = Date.now();
  let drawn = false;
  return {
    onProgress: e => {
      if (!sink.tty) {
        sink.err(`${e.label} ${e.step}/${e.totalSteps}${e.message ? ` ${e.message}` : ''}${trainText(e)}`);
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
