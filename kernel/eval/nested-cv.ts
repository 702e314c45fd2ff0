/**
 * Nested cross-validation of the baseline's regularisation: on the TRAINING rows only, a
 * subject-grouped inner k-fold picks lambda from a fixed grid by held-out deviance (log loss for
 * classification, squared error for regression); the model is then refit on all training rows
 * with that lambda. Test rows never influence the choice. Multiclass is one-vs-rest logistic
 * regression, whose K decision values play the role of logits (argmax, softmax for AUROC).
 */
import { ShapeError } from '../errors';
import { Random } from '../random';
import { FeatureMatrix, fitLogistic, fitRidge, groupedCrossValidation, LinearModel } from './linear';
import type { TaskType } from './scores';

/** The lambda grid (on linear.ts's per-feature Gram scale). */
export const LAMBDA_GRID: readonly number[] = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];

export interface NestedFit {
  lambda: number;
  /** Inner-CV deviance per grid value. */
  innerLoss: number[];
  /** Output vectors in the model's shape: binary [logit], multiclass [K decision values], regression [value]. */
  predict(rows: FeatureMatrix): number[][];
}

function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/** Mean deviance of out-of-fold outputs against targets. */
function deviance(type: TaskType, outputs: number[][], targets: readonly number[]): number {
  let s = 0;
  outputs.forEach((o, i) => {
    const t = targets[i];
    if (type === 'regression') s += (o[0] - t) ** 2;
    else if (type === 'binary') s -= t === 1 ? logSigmoid(o[0]) : logSigmoid(-o[0]);
    else {
      const max = Math.max(...o);
      const lse = max + Math.log(o.reduce((a, v) => a + Math.exp(v - max), 0));
      s -= o[t] - lse;
    }
  });
  return s / outputs.length;
}

/** One fitted model per output column (one for binary/regression, K for one-vs-rest). */
function fitColumns(type: TaskType, classes: number, lambda: number): (rows: FeatureMatrix, targets: readonly number[]) => LinearModel[] {
  return (rows, targets) => {
    if (type === 'regression') return [fitRidge(rows, targets, { lambda })];
    if (type === 'binary') return [fitLogistic(rows, targets, { lambda })];
    return Array.from({ length: classes }, (_, k) => fitLogistic(rows, targets.map(t => (t === k ? 1 : 0)), { lambda }));
  };
}

function outputsOf(models: LinearModel[], rows: FeatureMatrix): number[][] {
  const cols = models.map(m => m.predict(rows));
  return Array.from({ length: rows.length }, (_, i) => cols.map(c => c[i]));
}

/**
 * Picks lambda by inner CV on (rows, targets, groups) and refits. `classes` is the class count for
 * classification (ignored for regression); `seed` fixes the inner fold assignment.
 */
export function nestedFit(
  type: TaskType,
  rows: FeatureMatrix,
  targets: readonly number[],
  groups: readonly string[],
  classes: number,
  seed: number
): NestedFit {
  if (type === 'reid') throw new ShapeError('re-identification has no fitted baseline (fingerprint retrieval)');
  const subjects = new Set(groups).size;
  if (subjects < 2) throw new ShapeError(`the baseline needs training rows from 2 or more subjects; got ${subjects}`);
  const innerFolds = Math.min(5, subjects);
  const innerLoss = LAMBDA_GRID.map(lambda => {
    try {
      return innerDeviance(lambda);
    } catch (err) {
      // A grid value whose system is numerically singular (tiny lambda, few rows) is not chosen.
      if (err instanceof ShapeError) return Infinity;
      throw err;
    }
  });
  function innerDeviance(lambda: number): number {
    const fit = fitColumns(type, classes, lambda);
    const columns = type === 'multiclass' ? classes : 1;
    // Same seed for every column and lambda: identical inner folds, so losses are comparable.
    const oof = Array.from({ length: columns }, (_, k) =>
      groupedCrossValidation(
        rows,
        type === 'multiclass' ? targets.map(t => (t === k ? 1 : 0)) : targets,
        groups,
        (r, t) => (type === 'multiclass' ? fitLogistic(r, t, { lambda }) : fit(r, t)[0]),
        innerFolds,
        new Random(seed).fork('inner-cv')
      )
    );
    return deviance(type, rows.map((_, i) => oof.map(c => c[i])), targets);
  }
  let best = 0;
  innerLoss.forEach((l, i) => {
    if (l < innerLoss[best]) best = i;
  });
  if (!Number.isFinite(innerLoss[best])) throw new ShapeError('no lambda of the grid gave a usable baseline fit');
  const lambda = LAMBDA_GRID[best];
  const models = fitColumns(type, classes, lambda)(rows, targets);
  return { lambda, innerLoss, predict: r => outputsOf(models, r) };
}
