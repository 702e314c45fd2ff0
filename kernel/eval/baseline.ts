/**
 * The honest baseline beside every result (issue 12, item 6): ROI mean time series through an
 * atlas -> Fisher-z functional connectivity -> L2 logistic (classification, one-vs-rest for
 * multiclass) or ridge (regression) with nested cross-validation of lambda on the training
 * subjects of each split.json fold, scored on the same evaluated subjects/clips with the same
 * metrics and intervals as the model. Re-identification: FC fingerprints (Pearson correlation of
 * clip FC vectors) retrieved with the model's protocol, nothing trained.
 *
 * Units: subject-level tasks use one FC per subject (Fisher-z FC of each of its BOLD runs over all
 * frames, averaged over runs); clip-level tasks and re-ID use the FC of the clip's own frames.
 * The baseline trains on the fold's "train" subjects only (the model's "validation" subjects pick
 * its checkpoint; the baseline's inner CV does that job), so it never sees more labels than the model.
 */
import * as path from 'path';
import { DatasetError } from '../errors';
import { LongWorkOptions, checkAborted } from '../progress';
import { resolveSynthAssets } from '../data/synth/assets';
import { BootstrapOptions } from './bootstrap';
import { commonLabels, fcVector, rawWindow, roiSeriesOf, RoiSeries } from './fc-features';
import { LAMBDA_GRID, nestedFit } from './nested-cv';
import { QueryResult, retrieve, RetrievalRun } from './retrieval';
import { evaluatedSplit, EvaluatedSplit, PredictionClip, readRunFolder, RunFolder } from './run-folder';
import { ScoredRow, scoreQueries, scoreRows, ScoreTable } from './scores';
import { scoredRows } from './aggregate';

export interface BaselineOptions extends LongWorkOptions {
  /** Label atlas NIfTI; default the embedded atlas (resolveSynthAssets().atlas). */
  atlas?: string;
  /** ROI-series cache folder; default <run.json cache>/fc, else RUN/fc-cache; null disables it. */
  cacheDir?: string | null;
  bootstrap?: BootstrapOptions;
  /** Default: test when the run has test predictions, else validation. */
  split?: EvaluatedSplit;
}

export interface BaselineResult extends ScoreTable {
  name: string;
  atlas: string;
  regions: number;
  /** Lambda chosen by the inner CV in each fold (classification/regression). */
  lambdas?: number[];
  lambdaGrid?: readonly number[];
  /** Re-identification protocol. */
  protocol?: RetrievalRun['protocol'];
}

const DEFAULT_FRAMES = 20;

/** Loads every needed BOLD file's ROI series once (cached on disk by content). */
async function loadSeries(files: string[], atlas: string, cacheDir: string | null, options: LongWorkOptions): Promise<Map<string, RoiSeries>> {
  const out = new Map<string, RoiSeries>();
  for (const [i, file] of files.entries()) {
    checkAborted(options.signal, 'baseline');
    options.onProgress?.({ label: 'baseline', step: i, totalSteps: files.length, message: path.basename(file) });
    out.set(file, await roiSeriesOf(file, atlas, cacheDir));
  }
  options.onProgress?.({ label: 'baseline', step: files.length, totalSteps: files.length });
  return out;
}

/** Runs the FC baseline on a run folder (path or already read). */
export async function baseline(run: string | RunFolder, options: BaselineOptions = {}): Promise<BaselineResult> {
  const folder = typeof run === 'string' ? readRunFolder(run) : run;
  const { type, level } = folder.run;
  const split = options.split ?? evaluatedSplit(folder);
  const atlas = path.resolve(options.atlas ?? resolveSynthAssets().atlas);
  const cacheDir =
    options.cacheDir !== undefined ? options.cacheDir : path.join(folder.run.cache ?? folder.dir, folder.run.cache ? 'fc' : 'fc-cache');
  const evaluated = folder.clips.filter(c => c.split === split);
  const files = [...new Set([...folder.samples.map(s => s.bold), ...evaluated.map(c => c.bold)])].sort();
  const series = await loadSeries(files, atlas, cacheDir, options);
  const labels = commonLabels([...series.values()]);
  const samplesFile = path.join(folder.dir, 'samples.json');
  const framesOf = new Map(folder.samples.map(s => [`${s.bold}|${s.start}`, s.frames]));

  // FC vectors are computed once per clip and subject (folds reuse them).
  const memo = new Map<string, Float64Array>();
  const once = (key: string, compute: () => Float64Array): Float64Array => {
    let v = memo.get(key);
    if (!v) memo.set(key, (v = compute()));
    return v;
  };
  const clipFc = (bold: string, start: number): Float64Array =>
    once(`clip|${bold}|${start}`, () => {
      const s = series.get(bold) as RoiSeries;
      const frames = framesOf.get(`${bold}|${start}`) ?? DEFAULT_FRAMES;
      return fcVector(s, labels, rawWindow(s, start, frames, bold));
    });
  const boldsOf = new Map<string, Set<string>>();
  for (const s of [...folder.samples, ...evaluated]) {
    const set = boldsOf.get(s.subject) ?? new Set<string>();
    set.add(s.bold);
    boldsOf.set(s.subject, set);
  }
  const subjectFc = (subject: string): Float64Array =>
    once(`subject|${subject}`, () => {
      const runs = [...(boldsOf.get(subject) ?? [])].sort().map(b => fcVector(series.get(b) as RoiSeries, labels));
      const mean = new Float64Array(runs[0].length);
      for (const r of runs) for (let i = 0; i < mean.length; i++) mean[i] += r[i] / runs.length;
      return mean;
    });
  const base = { atlas, regions: labels.length };

  if (type === 'reid') {
    const queries: QueryResult[] = [];
    let protocol: RetrievalRun['protocol'] = 'leave-one-out';
    folder.folds.forEach((_, f) => {
      const items = evaluated.filter(c => c.fold === f).map(c => ({ subject: c.subject, session: c.session, vector: centred(clipFc(c.bold, c.start)) }));
      if (items.length === 0) return;
      const r = retrieve(items);
      protocol = r.protocol;
      queries.push(...r.queries);
    });
    return { name: 'fc-fingerprint', ...base, protocol, ...scoreQueries(queries, options.bootstrap) };
  }

  const classes = folder.classes?.length ?? 0;
  const seed = folder.run.seed ?? 0;
  const rows: ScoredRow[] = [];
  const lambdas: number[] = [];
  for (const [f, fold] of folder.folds.entries()) {
    const evalClips = evaluated.filter(c => c.fold === f);
    if (evalClips.length === 0) continue;
    const train = new Set(fold.train);
    const trainSamples = folder.samples.filter(s => train.has(s.subject) && s.target !== null);
    let trainX: Float64Array[];
    let trainY: number[];
    let groups: string[];
    if (level === 'subject') {
      const targetOf = new Map<string, number>();
      for (const s of trainSamples) {
        const prev = targetOf.get(s.subject);
        if (prev !== undefined && prev !== s.target)
          throw new DatasetError(`subject ${s.subject} has samples with different targets in a subject-level task`, { file: samplesFile });
        targetOf.set(s.subject, s.target as number);
      }
      groups = [...targetOf.keys()].sort();
      trainX = groups.map(subjectFc);
      trainY = groups.map(g => targetOf.get(g) as number);
    } else {
      trainX = trainSamples.map(s => clipFc(s.bold, s.start));
      trainY = trainSamples.map(s => s.target as number);
      groups = trainSamples.map(s => s.subject);
    }
    const fit = nestedFit(type, trainX, trainY, groups, classes, seed + f);
    lambdas.push(fit.lambda);
    rows.push(...predictRows(evalClips, level, fit.predict, subjectFc, clipFc, path.join(folder.dir, 'predictions.json')));
  }
  const name = type === 'regression' ? 'fc-ridge' : 'fc-logistic';
  return { name, ...base, lambdas, lambdaGrid: LAMBDA_GRID, ...scoreRows(type, rows, classes, options.bootstrap) };
}

/** The baseline's outputs for the evaluated clips, aggregated like the model's (one row per subject or clip). */
function predictRows(
  clips: PredictionClip[],
  level: 'subject' | 'clip',
  predict: (rows: Float64Array[]) => number[][],
  subjectFc: (subject: string) => Float64Array,
  clipFc: (bold: string, start: number) => Float64Array,
  file: string
): ScoredRow[] {
  // Same targets and units as the model: aggregate the model's clips first, then swap in outputs.
  const rows = scoredRows(clips, level, file);
  const outputs = predict(level === 'subject' ? rows.map(r => subjectFc(r.subject)) : clips.map(c => clipFc(c.bold, c.start)));
  return rows.map((r, i) => ({ ...r, output: outputs[i] }));
}

/** Subtracts the vector's mean: cosine of centred vectors is their Pearson correlation. */
function centred(v: Float64Array): Float64Array {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  return v.map(x => x - m);
}
