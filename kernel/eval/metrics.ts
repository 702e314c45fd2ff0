/**
 * Evaluation metrics on plain arrays: AUROC (Mann-Whitney, ties averaged, as scikit-learn's
 * roc_auc_score), Pearson r, accuracy.
 */
import { ShapeError } from '../errors';

type Vector = ArrayLike<number>;

function sameLength(a: Vector, b: Vector, what: string): void {
  if (a.length !== b.length) throw new ShapeError(`${what}: ${a.length} values vs ${b.length}`);
}

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(values: Vector): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/**
 * Area under the ROC curve of `scores` for binary `labels` (1 positive, 0 negative).
 * Equals the probability that a random positive outscores a random negative (ties count half).
 */
export function auroc(labels: Vector, scores: Vector): number {
  sameLength(labels, scores, 'auroc');
  const ranks = averageRanks(scores);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1)
      throw new ShapeError(`auroc: label ${labels[i]} at ${i} is not 0 or 1`);
    if (labels[i] === 1) {
      positives++;
      rankSum += ranks[i];
    }
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new ShapeError('auroc needs both classes among the labels');
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Pearson correlation; NaN when either side is constant. */
export function pearson(a: Vector, b: Vector): number {
  sameLength(a, b, 'pearson');
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Fraction of positions where the two label vectors agree. */
export function accuracy(truth: Vector, predicted: Vector): number {
  sameLength(truth, predicted, 'accuracy');
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) hits++;
  return hits / truth.length;
}
