/** Subject bootstrap: percentiles as numpy, subjects resampled whole, sensible coverage, seeded. */
import { python } from './python';
import { bootstrapIntervals, percentile } from '../../kernel/eval/bootstrap';
import { Random } from '../../kernel/random';

test('percentile equals numpy.percentile (linear)', () => {
  const rng = new Random(1);
  const values = Array.from({ length: 37 }, () => rng.normal()).sort((a, b) => a - b);
  const theirs = python('import json,sys,numpy as np\nv=json.load(sys.stdin)\nprint(json.dumps([float(np.percentile(v,q)) for q in (2.5,50,97.5)]))', values) as number[];
  [0.025, 0.5, 0.975].forEach((q, i) => expect(Math.abs(percentile(values, q) - theirs[i])).toBeLessThanOrEqual(1e-12));
});

test('bootstrap resamples subjects with all their rows, is seeded, and covers like the normal interval', () => {
  const rng = new Random(2);
  const subjects = 200;
  // Three rows per subject sharing a subject effect: rows are correlated within a subject.
  const subjectOfRow: string[] = [];
  const values: number[] = [];
  for (let s = 0; s < subjects; s++) {
    const effect = rng.normal();
    for (let k = 0; k < 3; k++) {
      subjectOfRow.push(`sub-${s}`);
      values.push(effect + 0.1 * rng.normal());
    }
  }
  const mean = (rows: readonly number[]) => rows.reduce((a, i) => a + values[i], 0) / rows.length;
  const ci = bootstrapIntervals(
    subjectOfRow,
    rows => {
      const counts = new Map<string, number>();
      for (const i of rows) counts.set(subjectOfRow[i], (counts.get(subjectOfRow[i]) ?? 0) + 1);
      for (const c of counts.values()) if (c % 3 !== 0) throw new Error('a subject was split');
      return { mean: mean(rows) };
    },
    { reps: 400, seed: 3 }
  );
  // Normal interval from subject means (the right unit): half width 1.96 sd / sqrt(n).
  const subjectMeans = Array.from({ length: subjects }, (_, s) => (values[3 * s] + values[3 * s + 1] + values[3 * s + 2]) / 3);
  const m = subjectMeans.reduce((a, b) => a + b, 0) / subjects;
  const sd = Math.sqrt(subjectMeans.reduce((a, v) => a + (v - m) ** 2, 0) / (subjects - 1));
  const half = (1.96 * sd) / Math.sqrt(subjects);
  expect(ci.mean[0]).toBeLessThan(m);
  expect(ci.mean[1]).toBeGreaterThan(m);
  expect((ci.mean[1] - ci.mean[0]) / 2).toBeGreaterThan(0.8 * half);
  expect((ci.mean[1] - ci.mean[0]) / 2).toBeLessThan(1.2 * half);
  const again = bootstrapIntervals(subjectOfRow, rows => ({ mean: mean(rows) }), { reps: 400, seed: 3 });
  expect(again.mean).toEqual(ci.mean);
  const other = bootstrapIntervals(subjectOfRow, rows => ({ mean: mean(rows) }), { reps: 400, seed: 4 });
  expect(other.mean).not.toEqual(ci.mean);
});
