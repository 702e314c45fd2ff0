/**
 * Evaluation metrics on plain arrays, float64, with scikit-learn's definitions (test/eval checks
 * each against sklearn on random inputs with ties): accuracy, balanced accuracy, confusion matrix,
 * macro F1, AUROC (binary by Mann-Whitney with ties averaged; multiclass macro one-vs-rest), ROC
 * curve points, and regression MSE, MAE, Pearson r and R^2. Classes are integer indices 0..K-1.
 */
import { ShapeError } from '../errors';

type Vector = ArrayLike<number>;

function sameLength(a: Vector, b: Vector, what: string): void {
  if (a.length !== b.length) throw new ShapeError(`${what}: ${a.length} values vs ${b.length}`);
  if (a.length === 0) throw new ShapeError(`${what}: no values`);
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

/**
 * Macro one-vs-rest AUROC of class probabilities `probs[i][k]` (sklearn roc_auc_score with
 * multi_class="ovr", average="macro"). A class absent from `labels` (possible in a bootstrap
 * resample) has no AUROC and is left out of the mean; sklearn would refuse the input instead.
 */
export function multiclassAuroc(labels: Vector, probs: ArrayLike<number>[]): number {
  if (labels.length !== probs.length || labels.length === 0)
    throw new ShapeError(`multiclass auroc: ${labels.length} labels vs ${probs.length} probability rows`);
  const classes = probs[0].length;
  let sum = 0;
  let counted = 0;
  for (let k = 0; k < classes; k++) {
    const binary = Array.from(labels, (l): number => (l === k ? 1 : 0));
    const positives = binary.reduce((a, b) => a + b, 0);
    if (positives === 0 || positives === binary.length) continue;
    sum += auroc(binary, Array.from(probs, p => p[k]));
    counted++;
  }
  if (counted === 0) throw new ShapeError('multiclass auroc needs at least two classes among the labels');
  return sum / counted;
}

export interface RocCurve {
  /** False-positive rates, from 0 to 1. */
  fpr: number[];
  /** True-positive rates, from 0 to 1. */
  tpr: number[];
  /** Score thresholds (decision: score >= threshold); the first is +Infinity. */
  thresholds: number[];
}

/** Every ROC point (sklearn roc_curve with drop_intermediate=False): one per distinct score. */
export function rocCurve(labels: Vector, scores: Vector): RocCurve {
  sameLength(labels, scores, 'roc curve');
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const positives = Array.from(labels).filter(l => l === 1).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) throw new ShapeError('roc curve needs both classes among the labels');
  const curve: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    if (labels[order[i]] === 1) tp++;
    else fp++;
    if (i + 1 < order.length && scores[order[i + 1]] === scores[order[i]]) continue;
    curve.fpr.push(fp / negatives);
    curve.tpr.push(tp / positives);
    curve.thresholds.push(scores[order[i]]);
  }
  return curve;
}

/** Fraction of positions where the two label vectors agree. */
export function accuracy(truth: Vector, predicted: Vector): number {
  sameLength(truth, predicted, 'accuracy');
  let hits = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) hits++;
  return hits / truth.length;
}

/** K x K counts, rows = true class, columns = predicted class (sklearn confusion_matrix). */
export function confusionMatrix(truth: Vector, predicted: Vector, classes: number): number[][] {
  sameLength(truth, predicted, 'confusion matrix');
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (!(Number.isInteger(t) && t >= 0 && t < classes && Number.isInteger(p) && p >= 0 && p < classes))
      throw new ShapeError(`confusion matrix: class ${t} / ${p} at ${i} is not in 0..${classes - 1}`);
    m[t][p]++;
  }
  return m;
}

/** Mean recall over the classes present in `truth` (sklearn balanced_accuracy_score). */
export function balancedAccuracy(truth: Vector, predicted: Vector): number {
  sameLength(truth, predicted, 'balanced accuracy');
  const hits = new Map<number, number>();
  const totals = new Map<number, number>();
  for (let i = 0; i < truth.length; i++) {
    totals.set(truth[i], (totals.get(truth[i]) ?? 0) + 1);
    if (truth[i] === predicted[i]) hits.set(truth[i], (hits.get(truth[i]) ?? 0) + 1);
  }
  let sum = 0;
  for (const [c, n] of totals) sum += (hits.get(c) ?? 0) / n;
  return sum / totals.size;
}

/**
 * Unweighted mean of per-class F1 over the classes present in `truth` or `predicted` (sklearn
 * f1_score average="macro"); a class with no true and no predicted positives cannot occur there,
 * and F1 = 0 when precision + recall = 0.
 */
export function macroF1(truth: Vector, predicted: Vector): number {
  sameLength(truth, predicted, 'macro F1');
  const classes = new Set<number>([...Array.from(truth), ...Array.from(predicted)]);
  let sum = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i] === c;
      const p = predicted[i] === c;
      if (t && p) tp++;
      else if (p) fp++;
      else if (t) fn++;
    }
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / classes.size;
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

/** Mean squared error. */
export function meanSquaredError(truth: Vector, predicted: Vector): number {
  sameLength(truth, predicted, 'mse');
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += (truth[i] - predicted[i]) ** 2;
  return s / truth.length;
}

/** Mean absolute error. */
export function meanAbsoluteError(truth: Vector, predicted: Vector): number {
  sameLength(truth, predicted, 'mae');
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += Math.abs(truth[i] - predicted[i]);
  return s / truth.length;
}

/**
 * Coefficient of determination 1 - SS_res / SS_tot (sklearn r2_score); with constant `truth`, 1 for
 * a perfect prediction and 0 otherwise, as sklearn.
 */
export function rSquared(truth: Vector, predicted: Vector): number {
  sameLength(truth, predicted, 'r2');
  let mean = 0;
  for (let i = 0; i < truth.length; i++) mean += truth[i];
  mean /= truth.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < truth.length; i++) {
    res += (truth[i] - predicted[i]) ** 2;
    tot += (truth[i] - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/** Index of the largest value (the first on ties, as numpy/torch argmax). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Numerically stable softmax of one logit vector. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, v => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map(v => v / sum);
}
