/**
 * Within-subject whitening of re-identification embeddings (our choice, not the official code: the
 * official evaluation compares the raw pooled features, spec §5 "ReID").
 *
 * Why: TPT cannot reshape the retrieval embedding. The pooled backbone features are what retrieval
 * compares, and the prompts move them by ~0.03% (measured on the CPU configuration: max |change|
 * 0.0015 on features of magnitude 5.7 after 28 steps at lr 5e-3), so cross-entropy over the handful of
 * training identities trains only a head that retrieval never reads. What the training subjects can
 * teach is which feature directions vary WITHIN a subject (task activity, scanner drift, clip
 * position) and so mislead a cosine ranking. We estimate that pooled within-subject covariance S_w on
 * the training clips and map every embedding to z = L^-1 (x - mean), S_w + shrink*I = L L^T (WCCN,
 * within-class covariance normalisation, a standard step in speaker and face verification). Any
 * square root of the inverse gives the same inner products, so the Cholesky factor serves.
 * Shrinkage: 10% of the mean eigenvalue, because a few dozen clips leave S_w rank-deficient in 96
 * dimensions. Measured in kernel/train/README.md (re-identification).
 */
import { ShapeError } from '../errors';

export interface ReidWhitening {
  /** Mean of the training clips' embeddings. */
  mean: number[];
  /** Lower Cholesky factor of S_w + shrink * I, row-major d x d. */
  factor: number[];
  /** Shrinkage added to the diagonal (absolute). */
  shrink: number;
  /** Training subjects and clips it was estimated from. */
  subjects: number;
  clips: number;
}

/** Shrinkage as a fraction of S_w's mean eigenvalue (trace / d). */
export const SHRINK_FRACTION = 0.1;

/** Fits the whitening on training embeddings `vectors` with their `subjects`. */
export function fitReidWhitening(vectors: readonly ArrayLike<number>[], subjects: readonly string[]): ReidWhitening {
  const n = vectors.length;
  if (n === 0 || subjects.length !== n) throw new ShapeError(`reid whitening: ${n} embeddings and ${subjects.length} subject labels`);
  const d = vectors[0].length;
  const mean = new Float64Array(d);
  for (const v of vectors) for (let j = 0; j < d; j++) mean[j] += v[j] / n;
  const groups = new Map<string, number[]>();
  subjects.forEach((s, i) => groups.set(s, [...(groups.get(s) ?? []), i]));
  // Pooled within-subject scatter: every clip minus its own subject's mean.
  const cov = new Float64Array(d * d);
  for (const idx of groups.values()) {
    const m = new Float64Array(d);
    for (const i of idx) for (let j = 0; j < d; j++) m[j] += vectors[i][j] / idx.length;
    for (const i of idx) {
      const r = Float64Array.from({ length: d }, (_, j) => vectors[i][j] - m[j]);
      for (let a = 0; a < d; a++) for (let b = 0; b <= a; b++) cov[a * d + b] += (r[a] * r[b]) / n;
    }
  }
  let trace = 0;
  for (let a = 0; a < d; a++) trace += cov[a * d + a];
  const shrink = SHRINK_FRACTION * (trace / d) || 1e-6;
  for (let a = 0; a < d; a++) cov[a * d + a] += shrink;
  // Cholesky of the lower triangle in place.
  for (let j = 0; j < d; j++) {
    let s = cov[j * d + j];
    for (let k = 0; k < j; k++) s -= cov[j * d + k] ** 2;
    const diag = Math.sqrt(Math.max(s, 1e-12));
    cov[j * d + j] = diag;
    for (let i = j + 1; i < d; i++) {
      let t = cov[i * d + j];
      for (let k = 0; k < j; k++) t -= cov[i * d + k] * cov[j * d + k];
      cov[i * d + j] = t / diag;
    }
    for (let i = 0; i < j; i++) cov[i * d + j] = 0;
  }
  return { mean: Array.from(mean), factor: Array.from(cov), shrink, subjects: groups.size, clips: n };
}

/** z = L^-1 (x - mean) by forward substitution. */
export function applyReidWhitening(w: ReidWhitening, x: ArrayLike<number>): number[] {
  const d = w.mean.length;
  if (x.length !== d) throw new ShapeError(`reid whitening: embedding of ${x.length} values, fitted on ${d}`);
  const z = new Array<number>(d);
  for (let i = 0; i < d; i++) {
    let s = x[i] - w.mean[i];
    for (let k = 0; k < i; k++) s -= w.factor[i * d + k] * z[k];
    z[i] = s / w.factor[i * d + i];
  }
  return z;
}
