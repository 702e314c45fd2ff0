/**
 * Percentile bootstrap intervals over subjects: subjects are drawn with replacement (as many as
 * there are), every row (subject, clip or query) of a drawn subject enters the resample once per
 * draw, and each metric is recomputed on the resample. Rows of one subject are not independent, so
 * resampling rows would give intervals that are too narrow; the subject is the unit (issue 12).
 *
 * Resamples on which a metric is undefined (one class only for AUROC, constant targets for r) are
 * left out for that metric; the interval uses numpy's default (linear) percentile definition.
 */
import { ShapeError } from '../errors';
import { Random } from '../random';

export interface BootstrapOptions {
  /** Resamples; default 1000. */
  reps?: number;
  /** Seed of the resampling stream; default 0. */
  seed?: number;
  /** Central coverage; default 0.95. */
  level?: number;
}

export const BOOTSTRAP_DEFAULTS = { reps: 1000, seed: 0, level: 0.95 } as const;

/** Linear-interpolation percentile (numpy.percentile's default) of sorted values, q in [0, 1]. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Intervals for every metric `compute` returns. `subjectOfRow[i]` is row i's subject; `compute`
 * receives row indices (repeats allowed) and returns metric values (NaN or a
 * ShapeError = undefined on that resample).
 */
export function bootstrapIntervals(
  subjectOfRow: readonly string[],
  compute: (rows: readonly number[]) => Record<string, number>,
  options: BootstrapOptions = {}
): Record<string, [number, number]> {
  const reps = options.reps ?? BOOTSTRAP_DEFAULTS.reps;
  const level = options.level ?? BOOTSTRAP_DEFAULTS.level;
  const rng = new Random(options.seed ?? BOOTSTRAP_DEFAULTS.seed).fork('bootstrap');
  const rowsOf = new Map<string, number[]>();
  subjectOfRow.forEach((s, i) => {
    const list = rowsOf.get(s);
    if (list) list.push(i);
    else rowsOf.set(s, [i]);
  });
  const subjects = [...rowsOf.keys()].sort();
  const samples = new Map<string, number[]>();
  for (let r = 0; r < reps; r++) {
    const rows: number[] = [];
    for (let k = 0; k < subjects.length; k++) rows.push(...(rowsOf.get(subjects[rng.int(subjects.length)]) as number[]));
    let values: Record<string, number>;
    try {
      values = compute(rows);
    } catch (err) {
      if (err instanceof ShapeError) continue;
      throw err;
    }
    for (const [name, v] of Object.entries(values)) {
      if (!Number.isFinite(v)) continue;
      const list = samples.get(name);
      if (list) list.push(v);
      else samples.set(name, [v]);
    }
  }
  const out: Record<string, [number, number]> = {};
  for (const [name, list] of samples) {
    list.sort((a, b) => a - b);
    out[name] = [percentile(list, (1 - level) / 2), percentile(list, 1 - (1 - level) / 2)];
  }
  return out;
}
