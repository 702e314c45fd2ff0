/**
 * The metric a fine-tuning run monitors on its validation split, with the official aggregation
 * (spec §5): raw clip outputs averaged per subject (clip level for task state), then
 * binary → AUROC (accuracy when the split holds one class), multiclass → balanced accuracy (the
 * official macro "acc"), regression → MSE in original units (lower is better), reid → Rank-1 of
 * leave-one-out cosine retrieval over the split's clips. The metrics themselves are kernel/eval's.
 */
import { auroc, balancedAccuracy, argmax, meanSquaredError, pearson, accuracy } from '../eval/metrics';
import { leaveOneOut, summarise } from '../eval/retrieval';
import type { Validation } from './loop';
import type { Sample, TaskType } from './samples';

/** Mean output per subject (level subject) or per clip (level clip), with its target. */
export function aggregate(samples: readonly Sample[], outputs: readonly number[][], level: 'subject' | 'clip'): { target: number; output: number[] }[] {
  if (level === 'clip') return samples.map((s, i) => ({ target: s.target as number, output: outputs[i] }));
  const groups = new Map<string, { target: number; sum: number[]; n: number }>();
  samples.forEach((s, i) => {
    const g = groups.get(s.subject) ?? { target: s.target as number, sum: new Array<number>(outputs[i].length).fill(0), n: 0 };
    outputs[i].forEach((v, k) => (g.sum[k] += v));
    g.n++;
    groups.set(s.subject, g);
  });
  return [...groups.values()].map(g => ({ target: g.target, output: g.sum.map(v => v / g.n) }));
}

export function validationMetric(type: TaskType, level: 'subject' | 'clip', samples: readonly Sample[], outputs: readonly number[][]): Validation {
  if (type === 'reid') {
    const run = leaveOneOut(samples.map((s, i) => ({ subject: s.subject, session: s.session, vector: outputs[i] })));
    const value = run.queries.length ? summarise(run.queries).rank1 : NaN;
    return { name: 'rank1', value, higherIsBetter: true };
  }
  const rows = aggregate(samples, outputs, level);
  const truth = rows.map(r => r.target);
  if (type === 'regression') {
    const pred = rows.map(r => r.output[0]);
    return { name: 'mse', value: meanSquaredError(truth, pred), higherIsBetter: false, extra: rows.length > 2 ? { pearson_r: pearson(truth, pred) } : {} };
  }
  if (type === 'binary') {
    const scores = rows.map(r => r.output[0]);
    const acc = accuracy(truth, scores.map(s => (s >= 0 ? 1 : 0)));
    if (new Set(truth).size < 2) return { name: 'accuracy', value: acc, higherIsBetter: true };
    return { name: 'auroc', value: auroc(truth, scores), higherIsBetter: true, extra: { accuracy: acc } };
  }
  return { name: 'balanced_accuracy', value: balancedAccuracy(truth, rows.map(r => argmax(r.output))), higherIsBetter: true };
}
