/**
 * Small linear baselines for connectivity features (p >> n): ridge regression and L2 logistic
 * regression, both solved in the n x n dual (representer theorem: w = X^T a), so 14k-edge FC
 * vectors of a hundred subjects cost a 100x100 Cholesky, not a 14k x 14k one. Features are
 * z-scored with the training mean/sd. Plus subject-grouped k-fold out-of-fold predictions.
 */
import { ShapeError } from '../errors';
import { Random } from '../random';

/** Rows are samples, each a feature vector of the same length. */
export type FeatureMatrix = ArrayLike<number>[];

export interface LinearModel {
  /** Decision values: predicted target (ridge) or log-odds (logistic). */
  predict(rows: FeatureMatrix): Float64Array;
}

interface Standardiser {
  mean: Float64Array;
  scale: Float64Array;
}

function standardiser(rows: FeatureMatrix): Standardiser {
  const n = rows.length;
  const p = rows[0].length;
  const mean = new Float64Array(p);
  const scale = new Float64Array(p);
  for (const r of rows) {
    if (r.length !== p) throw new ShapeError(`feature rows differ in length: ${r.length} vs ${p}`);
    for (let j = 0; j < p; j++) mean[j] += r[j];
  }
  for (let j = 0; j < p; j++) mean[j] /= n;
  for (const r of rows) for (let j = 0; j < p; j++) scale[j] += (r[j] - mean[j]) ** 2;
  for (let j = 0; j < p; j++) {
    const sd = Math.sqrt(scale[j] / n);
    scale[j] = sd > 1e-12 ? 1 / sd : 0;
  }
  return { mean, scale };
}

function transform(rows: FeatureMatrix, s: Standardiser): Float64Array[] {
  return rows.map(r => {
    const out = new Float64Array(s.mean.length);
    for (let j = 0; j < out.length; j++) out[j] = (r[j] - s.mean[j]) * s.scale[j];
    return out;
  });
}

/** Gram matrix A B^T divided by the feature count (keeps lambda on the scale of a correlation). */
function gram(a: Float64Array[], b: Float64Array[]): Float64Array[] {
  const p = a[0].length;
  return a.map(x =>
    Float64Array.from(b, y => {
      let s = 0;
      for (let j = 0; j < p; j++) s += x[j] * y[j];
      return s / p;
    })
  );
}

/** Solves (M) x = rhs for symmetric positive definite M by Cholesky (M is overwritten). */
function choleskySolve(m: Float64Array[], rhs: Float64Array): Float64Array {
  const n = rhs.length;
  for (let j = 0; j < n; j++) {
    let d = m[j][j];
    for (let k = 0; k < j; k++) d -= m[j][k] * m[j][k];
    if (!(d > 0)) throw new ShapeError('linear system is not positive definite; increase lambda');
    const l = Math.sqrt(d);
    m[j][j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = m[i][j];
      for (let k = 0; k < j; k++) s -= m[i][k] * m[j][k];
      m[i][j] = s / l;
    }
  }
  const x = Float64Array.from(rhs);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) x[i] -= m[i][k] * x[k];
    x[i] /= m[i][i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) x[i] -= m[k][i] * x[k];
    x[i] /= m[i][i];
  }
  return x;
}

function dualModel(train: Float64Array[], s: Standardiser, alpha: Float64Array, bias: number): LinearModel {
  return {
    predict(rows) {
      const k = gram(transform(rows, s), train);
      return Float64Array.from(k, row => row.reduce((acc, v, i) => acc + v * alpha[i], bias));
    }
  };
}

export interface RidgeOptions {
  /** L2 penalty on the per-feature-averaged Gram scale; default 1. */
  lambda?: number;
}

/** Ridge regression: minimises |y - Xw - b|^2 + lambda p |w|^2 over z-scored features. */
export function fitRidge(
  rows: FeatureMatrix,
  targets: ArrayLike<number>,
  options: RidgeOptions = {}
): LinearModel {
  if (rows.length !== targets.length || rows.length < 2) {
    throw new ShapeError(
      `ridge needs >= 2 rows with one target each; got ${rows.length} rows, ${targets.length} targets`
    );
  }
  const lambda = options.lambda ?? 1;
  const s = standardiser(rows);
  const x = transform(rows, s);
  let mean = 0;
  for (let i = 0; i < targets.length; i++) mean += targets[i];
  mean /= targets.length;
  const k = gram(x, x);
  k.forEach((row, i) => (row[i] += lambda));
  const alpha = choleskySolve(
    k,
    Float64Array.from(targets, t => t - mean)
  );
  return dualModel(x, s, alpha, mean);
}

export interface LogisticOptions {
  /** L2 penalty (same scale as ridge); default 1. */
  lambda?: number;
  /** Newton (IRLS) iterations; default 30. */
  iterations?: number;
}

/**
 * L2-regularised logistic regression for labels 0/1, by IRLS in the dual (kernel logistic
 * regression with a linear kernel). The intercept is an unpenalised-in-practice constant feature.
 */
export function fitLogistic(
  rows: FeatureMatrix,
  labels: ArrayLike<number>,
  options: LogisticOptions = {}
): LinearModel {
  const n = rows.length;
  if (labels.length !== n || n < 2) throw new ShapeError(`logistic needs >= 2 rows with one label each`);
  const lambda = options.lambda ?? 1;
  const s = standardiser(rows);
  const x = transform(rows, s);
  // Bias as a constant kernel term: K + c 11^T with a large c makes the intercept nearly free.
  const c = 10;
  const k = gram(x, x).map(row => row.map(v => v + c));
  let alpha: Float64Array = new Float64Array(n);
  const f = new Float64Array(n);
  for (let it = 0; it < (options.iterations ?? 30); it++) {
    for (let i = 0; i < n; i++) f[i] = k[i].reduce((acc, v, j) => acc + v * alpha[j], 0);
    const z = new Float64Array(n);
    const system = k.map(row => Float64Array.from(row));
    for (let i = 0; i < n; i++) {
      const prob = 1 / (1 + Math.exp(-f[i]));
      const w = Math.max(prob * (1 - prob), 1e-10);
      z[i] = f[i] + (labels[i] - prob) / w;
      system[i][i] += lambda / w;
    }
    const next = choleskySolve(system, z);
    let change = 0;
    for (let i = 0; i < n; i++) change = Math.max(change, Math.abs(next[i] - alpha[i]));
    alpha = next;
    if (change < 1e-9) break;
  }
  const model = dualModel(x, s, alpha, 0);
  return {
    predict(newRows) {
      const sum = alpha.reduce((a, v) => a + v, 0);
      // The constant kernel term contributes c * sum(alpha) to every decision value.
      return model.predict(newRows).map(v => v + c * sum);
    }
  };
}

/**
 * Out-of-fold decision values with k folds that never split a group (subject): every sample is
 * predicted by a model that saw no sample of its group. Folds are assigned by a seeded shuffle.
 */
export function groupedCrossValidation(
  rows: FeatureMatrix,
  targets: ArrayLike<number>,
  groups: readonly string[],
  fit: (rows: FeatureMatrix, targets: number[]) => LinearModel,
  folds: number,
  rng: Random
): Float64Array {
  const unique = rng.shuffle([...new Set(groups)].sort());
  if (unique.length < folds)
    throw new ShapeError(`${folds} folds need at least ${folds} groups; got ${unique.length}`);
  const foldOf = new Map(unique.map((g, i) => [g, i % folds]));
  const out = new Float64Array(rows.length);
  for (let fold = 0; fold < folds; fold++) {
    const train = rows.map((_, i) => i).filter(i => foldOf.get(groups[i]) !== fold);
    const test = rows.map((_, i) => i).filter(i => foldOf.get(groups[i]) === fold);
    const model = fit(
      train.map(i => rows[i]),
      train.map(i => targets[i])
    );
    const predicted = model.predict(test.map(i => rows[i]));
    test.forEach((i, k) => (out[i] = predicted[k]));
  }
  return out;
}
