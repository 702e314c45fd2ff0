/**
 * Live progress in a notebook: one display that is replaced in place (update_display_data) as work
 * advances, carrying the progress payload for the JupyterLab widget, a PNG bar and a text line.
 * `track` wraps a loop: it updates the display and is a safe point, so an interrupt stops the loop
 * between items and the display ends as "interrupted".
 */
import { randomBytes } from 'crypto';
import { AbortedError } from '../../errors';
import type { ProgressEvent } from '../../progress';
import { currentSignal, safePoint } from '../kernel/abort';
import { display, hasDisplaySink, updateDisplay } from './display';
import { PAYLOAD_VERSION, PROGRESS_MIME, ProgressPayload } from './payload-types';
import { encodePng } from './png';
import { BLACK, Canvas, LIGHT_GREY, WHITE } from './raster/canvas';
import { categorical } from './raster/colormap';
import { MimeBundle } from '../../verbs/jupyter/wire';

/** Updates closer together than this are merged (the frontend redraws at most ~5 times a second). */
const MIN_UPDATE_MS = 200;

function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function progressText(p: ProgressPayload): string {
  const of = p.totalSteps ? `/${p.totalSteps} (${Math.floor((100 * p.step) / p.totalSteps)}%)` : '';
  const epoch = p.epoch !== null ? ` epoch ${p.epoch}${p.totalEpochs ? `/${p.totalEpochs}` : ''}` : '';
  const eta = p.etaSeconds !== null && p.state === 'running' ? `, eta ${seconds(p.etaSeconds)}` : '';
  const metrics = Object.entries(p.metrics)
    .map(([k, v]) => ` ${k}=${v === null ? 'NaN' : Number(v.toPrecision(4))}`)
    .join('');
  const message = p.message ? ` - ${p.message}` : '';
  return `${p.label}: ${p.state}, step ${p.step}${of}${epoch}, ${seconds(p.elapsedSeconds)}${eta}${metrics}${message}`;
}

/** A 480x44 bar with the text line under it. */
export function progressPng(p: ProgressPayload): Buffer {
  const c = new Canvas(480, 44, WHITE);
  const fraction = p.totalSteps ? Math.min(1, p.step / p.totalSteps) : p.state === 'done' ? 1 : 0;
  const color =
    p.state === 'error' || p.state === 'interrupted'
      ? categorical(3)
      : p.state === 'done'
        ? categorical(2)
        : categorical(0);
  c.fillRect(4, 6, 472, 14, LIGHT_GREY);
  c.fillRect(4, 6, Math.round(472 * fraction), 14, color);
  c.strokeRect(4, 6, 472, 14, BLACK);
  const text = progressText(p);
  c.text(4, 28, text.length > 78 ? text.slice(0, 77) + '~' : text, BLACK);
  return encodePng(c.toImage());
}

export function progressBundle(p: ProgressPayload, metadata: Record<string, unknown> = {}): MimeBundle {
  return {
    data: {
      [PROGRESS_MIME]: p,
      'image/png': progressPng(p).toString('base64'),
      'text/plain': progressText(p)
    },
    metadata
  };
}

export interface ProgressOptions {
  totalSteps?: number | null;
  totalEpochs?: number | null;
  /** Output metadata from the first display on (see setMetadata). */
  metadata?: Record<string, unknown>;
}

export type ProgressUpdate = Partial<Pick<ProgressPayload, 'step' | 'epoch' | 'message' | 'totalSteps'>> & {
  metrics?: Record<string, number>;
};

/** One progress display. Outside a notebook it only keeps state (the CLI draws its own bars). */
export class ProgressDisplay {
  readonly displayId = randomBytes(8).toString('hex');
  private readonly started = Date.now();
  private lastSent = 0;
  private shown = false;
  private state: ProgressPayload;
  /** Output metadata sent with every update (a training run's record: the runs panel reads it live). */
  private metadata: Record<string, unknown> = {};

  constructor(label: string, options: ProgressOptions = {}) {
    this.state = {
      version: PAYLOAD_VERSION,
      label,
      state: 'running',
      step: 0,
      totalSteps: options.totalSteps ?? null,
      epoch: null,
      totalEpochs: options.totalEpochs ?? null,
      elapsedSeconds: 0,
      etaSeconds: null,
      metrics: {}
    };
    this.metadata = options.metadata ?? {};
    this.send(true);
  }

  get payload(): ProgressPayload {
    return this.state;
  }

  /** Replaces the output metadata; sent with the next update. */
  setMetadata(metadata: Record<string, unknown>): void {
    this.metadata = metadata;
  }

  private send(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastSent < MIN_UPDATE_MS) return;
    this.lastSent = now;
    const elapsed = (now - this.started) / 1000;
    const { step, totalSteps } = this.state;
    const eta =
      totalSteps && step > 0 && this.state.state === 'running'
        ? (elapsed / step) * (totalSteps - step)
        : null;
    this.state = { ...this.state, elapsedSeconds: elapsed, etaSeconds: eta };
    if (!hasDisplaySink()) return;
    const bundle = progressBundle(this.state, this.metadata);
    if (this.shown) updateDisplay(bundle, this.displayId);
    else display(bundle, this.displayId);
    this.shown = true;
  }

  update(u: ProgressUpdate): void {
    const metrics = { ...this.state.metrics };
    // JSON has no NaN/Infinity: a diverged metric travels as null (payload-types.ts).
    for (const [k, v] of Object.entries(u.metrics ?? {})) metrics[k] = Number.isFinite(v) ? v : null;
    this.state = { ...this.state, ...u, metrics };
    this.send(false);
  }

  finish(state: 'done' | 'error' | 'interrupted' = 'done', message?: string): void {
    this.state = { ...this.state, state, ...(message ? { message } : {}) };
    this.send(true);
  }
}


/**
 * Options that connect a long API call to the notebook: the cell's abort signal (interrupts stop
 * it at its next safe point) and a progress display fed by its progress events, finished when the
 * last step is reported.
 *
 * @example await ns.data.preprocess(ds, { ...ns.notebook.longWork('preprocess') })
 */
export function longWork(label: string): {
  signal: AbortSignal;
  onProgress: (event: ProgressEvent) => void;
  progress: ProgressDisplay;
} {
  const progress = new ProgressDisplay(label);
  const signal = currentSignal();
  return {
    signal,
    progress,
    onProgress: e => {
      progress.update({
        step: e.step,
        ...(e.totalSteps !== undefined ? { totalSteps: e.totalSteps } : {}),
        ...(e.message ? { message: e.message } : {})
      });
      if (e.totalSteps && e.step >= e.totalSteps) progress.finish('done');
    }
  };
}

/**
 * Iterates `items` (or 0..n-1 for a number) with a live progress display; each item is a safe
 * point, so an interrupt ends the loop with AbortedError and the display shows "interrupted".
 *
 * @example for await (const subject of ns.notebook.track(subjects, 'features')) { ... }
 */
export function track(count: number, label?: string, signal?: AbortSignal): AsyncGenerator<number>;
export function track<T>(items: Iterable<T>, label?: string, signal?: AbortSignal): AsyncGenerator<T>;
export async function* track<T>(
  items: Iterable<T> | number,
  label = 'progress',
  signal: AbortSignal = currentSignal()
): AsyncGenerator<T | number> {
  const source: Iterable<T | number> = typeof items === 'number' ? countUp(items) : items;
  const total = typeof items === 'number' ? items : Array.isArray(items) ? items.length : null;
  const progress = new ProgressDisplay(label, { totalSteps: total });
  let step = 0;
  let ended = false;
  try {
    for (const item of source) {
      await safePoint(signal, label);
      yield item;
      progress.update({ step: ++step });
    }
    ended = true;
    progress.finish('done');
  } catch (err) {
    ended = true;
    progress.finish(
      err instanceof AbortedError ? 'interrupted' : 'error',
      err instanceof Error ? err.message : String(err)
    );
    throw err;
  } finally {
    // The loop body left early (break/return): the work stopped where it was, by choice.
    if (!ended) progress.finish('done', `stopped after ${step} steps`);
  }
}

function* countUp(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}
