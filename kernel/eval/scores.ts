/**
 * The metric set of each task type, computed on scored rows (a subject, or a clip for clip-level
 * tasks) or retrieval queries, with subject-bootstrap intervals, plus the data behind the plots
 * (ROC points, confusion matrix, predicted-vs-true pairs, rank curve). The model and the FC baseline
 * both go through here, so their tables and plots have the same shape.
 *
 * Classification decisions follow spec §5: binary predicts the positive class when the (mean) raw
 * logit is >= 0 and ranks by that logit for AUROC (sigmoid is monotone, so this is the official
 * AUROC of sigmoid(mean) without float saturation ties); multiclass takes the argmax and the
 * softmax probabilities (macro one-vs-rest AUROC). The official multiclass "acc" is balanced
 * accuracy (spec §5, torchmetrics macro default); we report both under their own names.
 */
import { ShapeError } from '../errors';
import { bootstrapIntervals, BootstrapOptions } from './bootstrap';
import {
  accuracy,
  argmax,
  auroc,
  balancedAccuracy,
  confusionMatrix,
  macroF1,
  meanAbsoluteError,
  meanSquaredError,
  multiclassAuroc,
  pearson,
  rocCurve,
  rSquared,
  softmax
} from './metrics';
import { QueryResult, summarise } from './retrieval';

export type TaskType = 'binary' | 'multiclass' | 'regression' | 'reid';

/** One evaluated unit: its subject, true target and (aggregated) output vector. */
export interface ScoredRow {
  subject: string;
  session: string | null;
  /** Class index or value in original units. */
  target: number;
  /** binary: [logit]; multiclass: logits per class; regression: [prediction]. */
  output: number[];
}

/** A metric value with its 95% bootstrap interval (null where undefined). */
export interface MetricValue {
  value: number | null;
  ci: [number | null, number | null];
}

export interface PlotData {
  /** Binary: one curve; multiclass: one-vs-rest per class. */
  roc?: { fpr: number[]; tpr: number[]; class?: number }[];
  confusion?: number[][];
  /** Regression: true and predicted value per row. */
  pairs?: { subject: string; true: number; predicted: number }[];
  /** Re-identification: CMC, rank[k-1] = P(first match within the top k). */
  rank?: number[];
}

export interface ScoreTable {
  metrics: Record<string, MetricValue>;
  plots: PlotData;
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function predictedClass(type: TaskType, output: number[]): number {
  return type === 'binary' ? (output[0] >= 0 ? 1 : 0) : argmax(output);
}

/** Metric values of a task type on `rows` (indices may repeat, for the bootstrap). */
export function metricValues(type: TaskType, rows: ScoredRow[], indices?: readonly number[]): Record<string, number> {
  const pick = indices ? indices.map(i => rows[i]) : rows;
  if (pick.length === 0) throw new ShapeError('no rows to score');
  const truth = pick.map(r => r.target);
  if (type === 'regression') {
    const predicted = pick.map(r => r.output[0]);
    return {
      mse: meanSquaredError(truth, predicted),
      mae: meanAbsoluteError(truth, predicted),
      pearson_r: pearson(truth, predicted),
      r2: rSquared(truth, predicted)
    };
  }
  if (type !== 'binary' && type !== 'multiclass') throw new ShapeError(`metricValues: ${type} is scored by retrieval`);
  const predicted = pick.map(r => predictedClass(type, r.output));
  const out: Record<string, number> = {
    accuracy: accuracy(truth, predicted),
    balanced_accuracy: balancedAccuracy(truth, predicted),
    macro_f1: macroF1(truth, predicted)
  };
  try {
    out.auroc =
      type === 'binary'
        ? auroc(truth, pick.map(r => r.output[0]))
        : multiclassAuroc(truth, pick.map(r => softmax(r.output)));
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    out.auroc = NaN;
  }
  return out;
}

function withIntervals(values: Record<string, number>, ci: Record<string, [number, number]>): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const [name, v] of Object.entries(values)) {
    const c = ci[name];
    out[name] = { value: finite(v), ci: c ? [finite(c[0]), finite(c[1])] : [null, null] };
  }
  return out;
}

/** Classification or regression table: metrics with intervals and plot data. */
export function scoreRows(type: TaskType, rows: ScoredRow[], classes: number, bootstrap: BootstrapOptions = {}): ScoreTable {
  const values = metricValues(type, rows);
  const ci = bootstrapIntervals(rows.map(r => r.subject), idx => metricValues(type, rows, idx), bootstrap);
  const plots: PlotData = {};
  if (type === 'regression') {
    plots.pairs = rows.map(r => ({ subject: r.subject, true: r.target, predicted: r.output[0] }));
  } else {
    const truth = rows.map(r => r.target);
    plots.confusion = confusionMatrix(truth, rows.map(r => predictedClass(type, r.output)), classes);
    const curves: PlotData['roc'] = [];
    const classList = type === 'binary' ? [1] : Array.from({ length: classes }, (_, k) => k);
    for (const k of classList) {
      const labels = truth.map(t => (t === k ? 1 : 0));
      const scores = rows.map(r => (type === 'binary' ? r.output[0] : softmax(r.output)[k]));
      if (!labels.includes(1) || !labels.includes(0)) continue;
      const c = rocCurve(labels, scores);
      curves.push(type === 'binary' ? { fpr: c.fpr, tpr: c.tpr } : { fpr: c.fpr, tpr: c.tpr, class: k });
    }
    plots.roc = curves;
  }
  return { metrics: withIntervals(values, ci), plots };
}

/** Re-identification table from per-query results: Rank-1 and mAP with intervals, the CMC curve. */
export function scoreQueries(queries: QueryResult[], bootstrap: BootstrapOptions = {}): ScoreTable {
  const all = summarise(queries);
  const ci = bootstrapIntervals(
    queries.map(q => q.subject),
    idx => {
      const s = summarise(queries, idx);
      return { rank1: s.rank1, map: s.map };
    },
    bootstrap
  );
  return { metrics: withIntervals({ rank1: all.rank1, map: all.map }, ci), plots: { rank: all.cmc } };
}
