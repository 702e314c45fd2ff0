/**
 * `ns.data.splits`: subject-level, stratified, seeded train/val/test splits. A subject (all of its
 * sessions and runs) is in exactly one split, so no session of a test subject leaks into training.
 *
 * Within each stratum (e.g. each diagnosis), subjects are shuffled by the seeded generator and cut
 * by the fractions with largest-remainder rounding, so every split keeps the strata's proportions.
 */
import { DatasetError } from '../errors';
import { Random } from '../random';

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export interface Splits {
  train: string[];
  val: string[];
  test: string[];
}

export interface SplitOptions {
  /** Default { train: 0.7, val: 0.15, test: 0.15 }. */
  fractions?: SplitFractions;
  seed: number;
}

/** Counts per split for n subjects, largest remainder (ties to train, then val, then test). */
function allocate(n: number, f: SplitFractions): [number, number, number] {
  const exact = [f.train * n, f.val * n, f.test * n];
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = [0, 1, 2].sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b);
  for (const i of order) {
    if (left === 0) break;
    counts[i]++;
    left--;
  }
  return counts as [number, number, number];
}

/**
 * Splits subjects. `subjects` maps each subject id to its stratum (any string; use one value for no
 * stratification). Every run of a subject belongs where its subject is (see `splitOf`).
 */
export function splitSubjects(subjects: Map<string, string>, options: SplitOptions): Splits {
  const f = options.fractions ?? { train: 0.7, val: 0.15, test: 0.15 };
  const total = f.train + f.val + f.test;
  if ([f.train, f.val, f.test].some(x => !(x >= 0)) || Math.abs(total - 1) > 1e-9) {
    throw new DatasetError(`split fractions must be >= 0 and sum to 1; got ${f.train}, ${f.val}, ${f.test}`);
  }
  const strata = new Map<string, string[]>();
  for (const [id, stratum] of subjects) strata.set(stratum, [...(strata.get(stratum) ?? []), id]);
  const names = [...strata.keys()].sort();
  // Per-stratum floors, then the leftover subjects go where the global split sizes still fall
  // short, largest fractional share first: every stratum keeps its proportions as far as the
  // integers allow, and the split sizes match the fractions for the whole cohort.
  const fractions = [f.train, f.val, f.test];
  const counts = names.map(s => fractions.map(x => Math.floor(x * (strata.get(s) as string[]).length)));
  const leftover = names.map(
    (s, i) => (strata.get(s) as string[]).length - counts[i].reduce((a, b) => a + b, 0)
  );
  const target = allocate(subjects.size, f);
  const deficit = target.map((t, k) => t - counts.reduce((a, c) => a + c[k], 0));
  const candidates = names
    .flatMap((s, i) =>
      fractions.map((x, k) => ({ i, k, share: x * (strata.get(s) as string[]).length - counts[i][k] }))
    )
    .sort((a, b) => b.share - a.share || a.k - b.k || a.i - b.i);
  for (const c of candidates) {
    if (leftover[c.i] > 0 && deficit[c.k] > 0) {
      counts[c.i][c.k]++;
      leftover[c.i]--;
      deficit[c.k]--;
    }
  }
  const rng = new Random(options.seed);
  const out: Splits = { train: [], val: [], test: [] };
  names.forEach((stratum, i) => {
    const ids = rng.fork(`stratum-${stratum}`).shuffle([...(strata.get(stratum) as string[])].sort());
    const [nTrain, nVal] = counts[i];
    out.train.push(...ids.slice(0, nTrain));
    out.val.push(...ids.slice(nTrain, nTrain + nVal));
    out.test.push(...ids.slice(nTrain + nVal));
  });
  for (const key of ['train', 'val', 'test'] as const) out[key].sort();
  return out;
}

/** Splits the subjects of a set of runs (any records with `subject` and optional phenotype row). */
export function splits<R extends { subject: string; participant?: Record<string, string | null> | null }>(
  runs: readonly R[],
  options: SplitOptions & { stratifyBy?: string }
): Splits & { runs: { train: R[]; val: R[]; test: R[] } } {
  const subjects = new Map<string, string>();
  for (const run of runs) {
    const stratum = options.stratifyBy ? (run.participant?.[options.stratifyBy] ?? 'n/a') : 'all';
    const known = subjects.get(run.subject);
    if (known !== undefined && known !== stratum) {
      throw new DatasetError(
        `subject ${run.subject} has runs with different ${options.stratifyBy} values (${known}, ${stratum})`
      );
    }
    subjects.set(run.subject, stratum);
  }
  const s = splitSubjects(subjects, options);
  const where = splitOf(s);
  const byRun = { train: [] as R[], val: [] as R[], test: [] as R[] };
  for (const run of runs) byRun[where.get(run.subject) as keyof Splits].push(run);
  return { ...s, runs: byRun };
}

/** subject -> split name. */
export function splitOf(s: Splits): Map<string, keyof Splits> {
  const m = new Map<string, keyof Splits>();
  for (const key of ['train', 'val', 'test'] as const) for (const id of s[key]) m.set(id, key);
  return m;
}
