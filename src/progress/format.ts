/**
 * Text of the progress bar: step, epoch, elapsed time, ETA and the latest metrics. Pure: tested in
 * Node; the renderer only places these strings.
 */
import type { ProgressPayload } from '../../kernel/notebook/display/payload-types';

/** Seconds as `h:mm:ss` or `m:ss`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A metric value: 4 significant digits; null (a non-finite value in the kernel) shows as NaN. */
export function formatMetric(value: number | null): string {
  if (value === null) return 'NaN';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3).replace(/\.?0+e/, 'e') : String(Number(value.toPrecision(4)));
}

/** Fraction done in [0, 1], or null when the total is unknown (indeterminate bar). */
export function fractionDone(p: ProgressPayload): number | null {
  if (p.state === 'done') return 1;
  if (p.totalSteps === null) return null;
  return Math.min(1, p.step / p.totalSteps);
}

/** The parts of the progress line, in display order. */
export function progressParts(p: ProgressPayload): string[] {
  const parts: string[] = [];
  parts.push(p.totalSteps === null ? `step ${p.step}` : `step ${p.step}/${p.totalSteps}`);
  if (p.epoch !== null) parts.push(p.totalEpochs === null ? `epoch ${p.epoch}` : `epoch ${p.epoch}/${p.totalEpochs}`);
  parts.push(`elapsed ${formatDuration(p.elapsedSeconds)}`);
  if (p.state === 'running' && p.etaSeconds !== null) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  if (p.state !== 'running') parts.push(p.state);
  return parts;
}

/** Metrics as `name value` strings, in the payload's order. */
export function metricParts(p: ProgressPayload): string[] {
  return Object.entries(p.metrics).map(([name, value]) => `${name} ${formatMetric(value)}`);
}
