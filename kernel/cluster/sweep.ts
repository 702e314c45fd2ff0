/**
 * A sweep: `--sweep seed=1,2,3 --sweep mode=tpt,probe` (or one quoted `"seed=1,2 mode=tpt,probe"`)
 * is the grid of every combination, one point per array task, each point a run folder named by
 * its values (OUT/seed-1_mode-tpt). `folds=5` is one axis with one value like any other.
 */
import { UsageError } from '../errors';

export type SweepPoint = Record<string, string>;

/** Parses sweep items (as the list flag gives them, commas already split) into axes in order. */
export function parseSweep(items: readonly string[], allowed: readonly string[]): Map<string, string[]> {
  const axes = new Map<string, string[]>();
  let current: string | null = null;
  for (const token of items.join(',').split(/[\s,]+/).filter(Boolean)) {
    const eq = token.indexOf('=');
    if (eq >= 0) {
      current = token.slice(0, eq);
      if (!allowed.includes(current))
        throw new UsageError(`--sweep cannot vary "${current}"; it varies ${allowed.join(', ')}`);
      if (axes.has(current)) throw new UsageError(`--sweep names "${current}" twice`);
      axes.set(current, []);
      const first = token.slice(eq + 1);
      if (first) (axes.get(current) as string[]).push(first);
    } else if (current === null) {
      throw new UsageError(`--sweep takes NAME=V1,V2 (e.g. seed=1,2,3 mode=tpt,probe), got "${token}"`);
    } else (axes.get(current) as string[]).push(token);
  }
  for (const [name, values] of axes) if (!values.length) throw new UsageError(`--sweep ${name}= has no values`);
  if (!axes.size) throw new UsageError('--sweep needs at least one NAME=V1,V2');
  return axes;
}

/** Every combination, the first axis varying slowest. */
export function sweepPoints(axes: Map<string, string[]>): SweepPoint[] {
  let points: SweepPoint[] = [{}];
  for (const [name, values] of axes) points = points.flatMap(p => values.map(v => ({ ...p, [name]: v })));
  return points;
}

/** The run folder name of a point: seed-1_mode-tpt. */
export function pointName(point: SweepPoint): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}-${v.replace(/[^\w.-]+/g, '_')}`)
    .join('_');
}
