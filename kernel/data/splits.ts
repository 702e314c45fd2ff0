/**
 * `ns.data.splits`: subject-level, stratified, seeded train/val/test splits. A subject (all of its
 * sessions and runs) is in exactly one split, so no session of a test subject leaks into training.
 *
 * Within each stratum (e.g. each diagnosis), subjects are shuffled by the seeded generator and cut
 * by the fractions with largest-remainder rounding, so every split keeps the strata's proportions.
 */
import * as fs from 'fs';
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

/** Throws DatasetError when a subject is in two splits (the one rule every split must keep). */
export function assertDisjoint(s: Splits, file?: string): void {
  const seen = new Map<string, string>();
  for (const key of ['train', 'val', 'test'] as const) {
    for (const id of s[key]) {
      const other = seen.get(id);
      if (other) throw new DatasetError(`subject ${id} is in both ${other} and ${key}`, { file, hint: 'a subject (all its sessions) belongs to one split' });
      seen.set(id, key);
    }
  }
}

/**
 * K stratified folds: fold i tests the i-th stratified slice of the subjects (every subject is
 * tested exactly once); its validation subjects are `valFraction` of the rest (stratified, seeded;
 * at least one);
 * the others train.
 */
export function kFolds(subjects: Map<string, string>, k: number, options: { seed: number; valFraction?: number }): Splits[] {
  if (!Number.isSafeInteger(k) || k < 2) throw new DatasetError(`folds must be an integer >= 2, got ${k}`);
  if (subjects.size < k) throw new DatasetError(`${k} folds need at least ${k} subjects; ${subjects.size} have labels`);
  const rng = new Random(options.seed);
  const strata = new Map<string, string[]>();
  for (const [id, stratum] of subjects) strata.set(stratum, [...(strata.get(stratum) ?? []), id]);
  const fold = new Map<string, number>();
  // Deal each stratum's shuffled subjects round-robin, continuing where the last stratum stopped,
  // so fold sizes differ by at most one and every fold keeps the strata's proportions.
  let next = 0;
  for (const stratum of [...strata.keys()].sort()) {
    for (const id of rng.fork(`fold-${stratum}`).shuffle([...(strata.get(stratum) as string[])].sort())) fold.set(id, next++ % k);
  }
  const valFraction = options.valFraction ?? 0.15;
  return Array.from({ length: k }, (_, i) => {
    const test = [...fold].filter(([, f]) => f === i).map(([id]) => id).sort();
    const rest = new Map([...subjects].filter(([id]) => fold.get(id) !== i));
    // At least one validation subject whenever two or more remain (small cohorts).
    const v = rest.size >= 2 ? Math.max(valFraction, 1 / rest.size) : 0;
    const inner = splitSubjects(rest, { seed: options.seed + 7919 * (i + 1), fractions: { train: 1 - v, val: v, test: 0 } });
    return { train: inner.train, val: inner.val, test };
  });
}

/**
 * A user's split file: JSON `{"train": [...], "validation"|"val": [...], "test": [...]}` or
 * `{"folds": [{...}, ...]}` (the run folder's split.json), or the official text form
 * (`train_subjects`, ids…, `val_subjects`, ids…, `test_subjects`, ids…; spec §5). Ids without
 * "sub-" get it. Every split is checked to be disjoint.
 */
export function readSplitFile(file: string): Splits[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new DatasetError(`cannot read split file: ${(err as Error).message}`, { file, cause: err });
  }
  const id = (s: unknown): string => {
    if (typeof s !== 'string' && typeof s !== 'number') throw new DatasetError(`split file lists ${JSON.stringify(s)}; subject ids are strings`, { file });
    const v = String(s).trim();
    return v.startsWith('sub-') ? v : `sub-${v}`;
  };
  let folds: Splits[];
  if (text.trim().startsWith('{')) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new DatasetError(`split file is not valid JSON: ${(err as Error).message}`, { file });
    }
    const one = (o: Record<string, unknown>): Splits => {
      const list = (k: string) => {
        const v = o[k];
        if (v === undefined) return [];
        if (!Array.isArray(v)) throw new DatasetError(`"${k}" must be a list of subject ids`, { file });
        return v.map(id).sort();
      };
      return { train: list('train'), val: o.validation !== undefined ? list('validation') : list('val'), test: list('test') };
    };
    folds = Array.isArray(json.folds) ? (json.folds as Record<string, unknown>[]).map(one) : [one(json)];
  } else {
    const s: Splits = { train: [], val: [], test: [] };
    let current: keyof Splits | null = null;
    const heads: Record<string, keyof Splits> = { train_subjects: 'train', val_subjects: 'val', test_subjects: 'test' };
    for (const line of text.split(/\r?\n/).map(l => l.trim()).filter(Boolean)) {
      if (heads[line]) current = heads[line];
      else if (!current) throw new DatasetError(`split file: "${line}" comes before any train_subjects/val_subjects/test_subjects line`, { file });
      else s[current].push(id(line));
    }
    folds = [s];
  }
  if (folds.length === 0 || folds.some(f => f.train.length === 0)) throw new DatasetError('split file has a split without training subjects', { file });
  for (const f of folds) assertDisjoint(f, file);
  return folds;
}
