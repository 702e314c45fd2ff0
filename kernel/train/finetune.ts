/**
 * `ns.train.finetune` (`neurostorm finetune`, `%neurostorm finetune`): adapts a model to a task of
 * the paper (sex, age, diagnosis, state, reid, phenotype:COLUMN) on subject-level splits and writes
 * a run folder (README.md here; the contract kernel/eval reads).
 *
 * Modes (spec §5): `tpt` (default, official TPT: prompts + head trainable, backbone frozen),
 * `full`, `probe` (head only). Losses: binary BCE on one logit, multiclass CE, regression MSE on
 * standardised targets, reid CE over the training subjects' ids (as official; evaluation uses the
 * pooled features). Where we differ from the official code, on purpose:
 * - reid predictions are the pooled features whitened within subject on the training clips
 *   (reid-whitening.ts: TPT's prompts barely move the pooled features, so this is what the training
 *   subjects can teach retrieval); the whitening is kept as checkpoints/reid-whitening.json;
 * - the regression scaler (mean, population sd of the per-clip training targets, as official) is
 *   stored in the run, and predictions are written in original units;
 * - the `default` recipe (warmup + cosine, early stopping, best-epoch weights) is ours; `official`
 *   reproduces the official constant-rate optimiser (presets.ts);
 * - splits are seeded and stratified for every task (the official classification split is unseeded);
 * - validation and test are always distinct subject sets (official: test = val with 0.9/0.1);
 * - `default` recipe, binary tasks: the predicting weights' head bias is refitted on the training
 *   clips before predicting (recalibrate.ts: AdamW shifts every logit together when the features
 *   share a large common vector, putting every test subject in one class); recorded as
 *   `bias_recalibration` in the checkpoint's trainer-state.json, the fold's predictions and run.json.
 */
import * as path from 'path';
import { DatasetError, UsageError } from '../errors';
import { kFolds, readSplitFile, splitSubjects, Splits, SplitFractions, assertDisjoint } from '../data/splits';
import type { HeadConfig } from '../models/config';
import type { NeuroStormModel } from '../models/model';
import type { SessionOptions } from '../runtime/session';
import type { LongWorkOptions } from '../progress';
import { cleanPartial, freshState, hasCheckpoint, LoopState, readCheckpoint, restoreOptimizer } from './checkpoint';
import { runLoop, TrainProgressEvent } from './loop';
import { buildManifest } from './manifest';
import { predictClips, Scaler } from './predict';
import { InputScaleOption, inputRecord, recipe as makeRecipe, resolveConfig, resolveInput, ResolvedConfig } from './presets';
import { PREDICTIONS_FORMAT, PredictionClip, RUN_FORMAT, RunFolder, RunInput, RunRecord, SplitRecord } from './run-folder';
import { labelledClips, LabelledData, parseTask, Sample, TaskType } from './samples';
import { startingModel, withFreshHead } from './starting-model';
import { ModelTrainer, trainer as makeTrainer, TrainMode } from './trainer';
import { validationMetric } from './validation';
import { probeInitHead } from './probe-init';
import { applyReidWhitening, fitReidWhitening, ReidWhitening } from './reid-whitening';
import { BiasRecalibration, recalibrateCheckpoint } from './recalibrate';

export interface FinetuneOptions extends Omit<LongWorkOptions, 'onProgress'> {
  /**
   * Input gain (ResolvedConfig.scale): a number, or 'unit' for 1 / RMS of the centred training
   * input. Opt-in; without it a run starting from a run keeps that run's gain, else 1.
   */
  inputScale?: InputScaleOption;
  /** BIDS dataset folder (raw or fMRIPrep). */
  data: string;
  task: string;
  /** Run folder to write. */
  out: string;
  mode?: TrainMode;
  /** `cpu` (default), `official`, or a config.json. */
  config?: string;
  /** Weights (folder, .ckpt, .pth) or a run folder to start from; default: fresh official init. */
  from?: string;
  seed?: number;
  /** K-fold cross-validation: every subject tested once. */
  folds?: number;
  /** A user's split file (JSON or the official text form). */
  splitFile?: string;
  fractions?: SplitFractions;
  resume?: boolean;
  /** `default` (ours) or `official` (spec §5 optimiser and schedule). */
  recipe?: 'default' | 'official';
  lr?: number;
  epochs?: number;
  batch?: number;
  patience?: number | null;
  /** TPT prompt tokens per block (default 8 for cpu, 50 otherwise as the official argparse). */
  promptLen?: number;
  /** Keep this fraction of the training subjects (label-efficiency experiments), seeded. */
  labelFraction?: number;
  cacheDir?: string;
  session?: SessionOptions;
  /** Steps between mid-epoch `last/` checkpoints (default: epoch ends only). */
  checkpointEvery?: number;
  onProgress?: (event: TrainProgressEvent) => void;
}

export interface FinetuneResult {
  run: string;
  status: 'done';
  task: string;
  type: TaskType;
  /** Last validation metrics of each fold (`valid_*`). */
  validation: Record<string, number>[];
  trainable: { parameters: number; total: number; fraction: number };
  subjects: { train: number; validation: number; test: number };
  /** Subjects and clips left out, with reasons. */
  dropped: { subject: string; value: string | null; reason: string }[];
}

interface FoldData {
  train: Sample[];
  validation: Sample[];
  test: Sample[];
}

function headFor(type: TaskType, classes: number): HeadConfig {
  if (type === 'regression') return { kind: 'reg' };
  return { kind: 'cls', numClasses: Math.max(classes, 2) };
}

function makeSplits(data: LabelledData, options: FinetuneOptions, seed: number): Splits[] {
  if (options.splitFile) {
    const folds = readSplitFile(options.splitFile);
    const labelled = new Set(data.strata.keys());
    for (const f of folds) {
      const unknown = [...f.train, ...f.val, ...f.test].filter(s => !labelled.has(s));
      if (unknown.length) throw new DatasetError(`split file names subjects without labelled clips: ${unknown.slice(0, 5).join(', ')}`, { file: options.splitFile });
    }
    return folds;
  }
  if (options.folds) return kFolds(data.strata, options.folds, { seed });
  return [splitSubjects(data.strata, { seed, fractions: options.fractions })];
}

function foldData(data: LabelledData, s: Splits): FoldData {
  const where = new Map<string, keyof Splits>();
  for (const k of ['train', 'val', 'test'] as const) for (const id of s[k]) where.set(id, k);
  const pick = (k: keyof Splits) => data.samples.filter(x => where.get(x.subject) === k);
  return { train: pick('train'), validation: pick('val'), test: pick('test') };
}

function checkFold(f: FoldData, i: number, data: LabelledData): void {
  for (const k of ['train', 'validation', 'test'] as const) {
    if (f[k].length === 0) throw new DatasetError(`fold ${i}: the ${k} split has no labelled clips (${data.strata.size} labelled subjects)`, { file: data.dataset.root, hint: 'too few subjects for the split: use more subjects, other fractions or fewer folds' });
  }
}

/** Subsamples the training subjects to `fraction` (stratified by class, seeded; at least one per class). */
export function keepFraction(train: Sample[], fraction: number, seed: number): Sample[] {
  const strata = new Map<string, string>();
  for (const s of train) strata.set(s.subject, String(s.label));
  const kept = splitSubjects(strata, { seed, fractions: { train: fraction, val: 1 - fraction, test: 0 } }).train;
  const byClass = new Map<string, string[]>();
  for (const [id, c] of strata) byClass.set(c, [...(byClass.get(c) ?? []), id]);
  for (const ids of byClass.values()) if (!ids.some(id => kept.includes(id))) kept.push(ids.sort()[0]);
  const set = new Set(kept);
  return train.filter(s => set.has(s.subject));
}

/** StandardScaler on the per-clip training targets (population sd, spec §5). */
function fitScaler(train: readonly Sample[]): Scaler {
  const v = train.map(s => s.target as number);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length) || 1;
  return { mean, std };
}

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const t0 = Date.now();
  const run = new RunFolder(options.out);
  const resume = options.resume === true;
  run.prepare(resume);
  const prior = resume ? run.readJson<RunRecord>('run.json') : null;
  if (prior && prior.kind !== 'finetune') throw new UsageError(`${run.file('run.json')} is a ${prior.kind} run; resume it with neurostorm ${prior.kind}`);
  const task = parseTask(prior?.task ?? options.task);
  if (task === 'mae') throw new UsageError('task "mae" is pretraining: use ns.train.pretrain / neurostorm pretrain');
  const seed = prior?.seed ?? options.seed ?? 0;
  const mode: TrainMode = (prior?.mode as TrainMode | undefined) ?? options.mode ?? 'tpt';
  if (!['tpt', 'full', 'probe'].includes(mode)) throw new UsageError(`unknown mode "${mode}"`, { hint: 'modes: tpt, full, probe' });
  const recipeName = (prior?.recipe as 'default' | 'official' | undefined) ?? options.recipe ?? 'default';
  const rec = makeRecipe(recipeName, 'finetune', { lr: (prior?.lr as number) ?? options.lr, epochs: (prior?.epochs as number) ?? options.epochs, batch: (prior?.batch as number) ?? options.batch, patience: prior ? (prior.patience as number | null) : options.patience });
  const configArg = prior?.config_arg as string | undefined ?? options.config;
  let resolved: ResolvedConfig = resolveConfig(configArg ?? 'cpu');

  const data = await labelledClips(prior?.data ?? options.data, task, { cacheDir: prior?.cache ?? options.cacheDir, signal: options.signal });
  const splits: Splits[] = prior
    ? run.readJson<SplitRecord>('split.json').folds.map(f => ({ train: f.train, val: f.validation, test: f.test }))
    : makeSplits(data, options, seed);
  for (const s of splits) assertDisjoint(s, run.file('split.json'));
  const folds = splits.map(s => foldData(data, s));
  folds.forEach((f, i) => checkFold(f, i, data));
  const numClasses = data.type === 'reid' ? 0 : (data.classes?.length ?? 0);

  // The starting model once (per fold it is re-headed with the fold's seed).
  const start = await startingModel({ from: (prior?.from as string | null | undefined) ?? options.from, config: resolved, explicitConfig: configArg !== undefined, seed, mae: false, session: options.session });
  const firstTrain = new Set(splits[0].train);
  resolved = await resolveInput(start.config, prior?.input as RunInput | undefined, options.inputScale, data.samples.filter(s => firstTrain.has(s.subject)));
  const promptLen = (prior?.prompt_len as number | undefined) ?? options.promptLen ?? (resolved.name === 'cpu' ? 8 : 50);
  if (!prior) {
    const record: RunRecord = {
      format: RUN_FORMAT, kind: 'finetune', task, type: data.type, level: data.level, mode,
      config: resolved.name, data: data.dataset.root, cache: data.cacheDir, seed,
      folds: options.folds ?? (splits.length > 1 ? splits.length : null), status: 'running',
      config_arg: configArg ?? null, from: start.from, recipe: rec.name, recipe_description: rec.description,
      lr: rec.lr, epochs: rec.epochs, batch: rec.batch, patience: rec.patience, prompt_len: mode === 'tpt' ? promptLen : null,
      input: inputRecord(resolved), label_source: data.source, classes: data.classes ?? null, label_fraction: options.labelFraction ?? null
    };
    await run.writeJson('run.json', record);
    await run.writeJson('split.json', { folds: splits.map(s => ({ train: s.train, validation: s.val, test: s.test })) } satisfies SplitRecord);
    await run.writeJson('samples.json', {
      type: data.type, level: data.level, ...(data.classes && data.type !== 'regression' ? { classes: data.classes } : {}),
      samples: data.samples.map(s => ({ subject: s.subject, session: s.session, bold: s.bold, start: s.start, frames: s.frames, target: s.target })),
      dropped: data.dropped
    });
  } else {
    cleanPartial(run.dir);
    await run.setStatus('running');
  }

  const allClips: PredictionClip[] = [];
  const validation: Record<string, number>[] = [];
  // Ours, not official: only the default recipe refits a binary head's bias (recalibrate.ts).
  const recalibrate = rec.name === 'default' && data.type === 'binary';
  const recalibrations: (BiasRecalibration | null)[] = [];
  let counts = { trainable: 0, total: 0 };
  let provider = 'cpu';
  try {
    for (const [i, fold] of folds.entries()) {
      const foldSeed = seed + 1009 * i;
      const ckDir = splits.length > 1 ? run.file(path.join('checkpoints', `fold-${i}`)) : run.file('checkpoints');
      const doneFile = path.join(path.relative(run.dir, ckDir), 'predictions.json');
      const fraction = (prior?.label_fraction as number | null | undefined) ?? options.labelFraction;
      let train = fraction !== undefined && fraction !== null && fraction < 1 ? keepFraction(fold.train, fraction, foldSeed) : fold.train;
      if (data.type === 'reid') {
        // CE over contiguous ids of the training subjects (official: all subjects with metadata).
        const ids = [...new Set(train.map(s => s.subject))].sort();
        const index = new Map(ids.map((s, k) => [s, k]));
        train = train.map(s => ({ ...s, label: index.get(s.subject) as number }));
      }
      const classes = data.type === 'reid' ? new Set(train.map(s => s.label)).size : numClasses;
      const scaler = data.type === 'regression' ? fitScaler(train) : null;
      if (run.exists(doneFile)) {
        const done = run.readJson<{ clips: PredictionClip[]; validation: Record<string, number>; bias_recalibration?: BiasRecalibration | null }>(doneFile);
        allClips.push(...done.clips);
        validation.push(done.validation);
        recalibrations.push(done.bias_recalibration ?? null);
        continue;
      }
      let model: NeuroStormModel;
      let state: LoopState;
      const last = path.join(ckDir, 'last');
      const resumed = resume && hasCheckpoint(last);
      if (resumed) {
        const ck = await readCheckpoint(last, options.session);
        model = ck.model;
        state = ck.state;
      } else {
        model = withFreshHead(start.model, headFor(data.type, classes), foldSeed);
        if (mode === 'tpt') model = model.withPrompts(promptLen, foldSeed);
        state = freshState();
        if (rec.probeInit) {
          const features = await predictClips(model, train, { type: 'reid', batch: Math.min(rec.batch, train.length), pool: resolved.pool, centre: resolved.centre, scale: resolved.scale });
          const targets = scaler ? train.map(s => ((s.target as number) - scaler.mean) / scaler.std) : undefined;
          probeInitHead(model, data.type, train, features, targets);
        }
      }
      const batch = Math.min(rec.batch, train.length);
      const kind = data.type === 'regression' ? 'reg' : 'cls';
      const tr: ModelTrainer = await makeTrainer(model, { task: kind, mode, batch, frames: train[0].frames, optimizer: rec.optimizer, clipGradNorm: rec.clipGradNorm });
      if (resumed) await restoreOptimizer(last, tr);
      provider = tr.trainer.provider;
      counts = tr.parameterCounts();
      const label = splits.length > 1 ? `finetune fold ${i + 1}/${splits.length}` : 'finetune';
      // Events past the checkpoint (a killed process's last steps) are redone, so they are dropped.
      const events = run.readJsonl<Record<string, unknown>>('events.jsonl').filter(e => e.label !== label || (e.step as number) <= state.step);
      const feed = (samples: readonly Sample[]) => {
        if (kind === 'reg') return { data: Float32Array.from(samples, s => ((s.target as number) - (scaler as Scaler).mean) / (scaler as Scaler).std), shape: [samples.length, 1] };
        if (classes <= 2) return { data: Float32Array.from(samples, s => s.label), shape: [samples.length, 1] };
        return { data: BigInt64Array.from(samples, s => BigInt(s.label)), shape: [samples.length] };
      };
      const perEpoch = Math.floor(train.length / batch);
      const final = await runLoop(
        {
          run, checkpoints: ckDir, model, trainer: tr, train, batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale, seed: foldSeed, epochs: rec.epochs,
          schedule: rec.schedule(perEpoch * rec.epochs), patience: rec.patience, feed,
          validate: async m => validationMetric(data.type, data.level, fold.validation, await predictClips(m, fold.validation, { type: data.type, batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale, scaler })),
          extra: { scaler, fold: i }, events, label,
          checkpointEvery: options.checkpointEvery, signal: options.signal,
          onProgress: options.onProgress
        },
        state
      );
      const predictWith = rec.predictWith === 'best' && hasCheckpoint(path.join(ckDir, 'best')) ? path.join(ckDir, 'best') : null;
      let predictor: NeuroStormModel;
      let recalibration: BiasRecalibration | null = null;
      const predictDir = predictWith ?? last;
      if (recalibrate && hasCheckpoint(predictDir)) {
        // The threshold fix of the README's "Every pretrained test subject in one class": the bias of
        // the weights that predict is refitted on this fold's training clips only, and stored in
        // their checkpoint (best/, or last/ when they predict) so a resumed run predicts the same.
        // recalibrateCheckpoint loads those weights itself, so they are read once.
        ({ model: predictor, recalibration } = await recalibrateCheckpoint(
          predictDir,
          train.map(s => s.label),
          m => predictClips(m, train, { type: data.type, batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale }),
          options.session
        ));
      } else predictor = predictWith ? (await readCheckpoint(predictWith, options.session)).model : model;
      // reid: the embeddings retrieval compares are whitened within subject (reid-whitening.ts, ours).
      let whiten: ReidWhitening | null = null;
      if (data.type === 'reid') {
        const features = await predictClips(predictor, train, { type: 'reid', batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale });
        whiten = fitReidWhitening(features, train.map(s => s.subject));
        await run.writeJson(path.join(path.relative(run.dir, ckDir), 'reid-whitening.json'), whiten);
      }
      const clips: PredictionClip[] = [];
      for (const split of ['validation', 'test'] as const) {
        const raw = await predictClips(predictor, fold[split], { type: data.type, batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale, scaler });
        const outputs = whiten ? raw.map(x => applyReidWhitening(whiten as ReidWhitening, x)) : raw;
        fold[split].forEach((s, k) => clips.push({ subject: s.subject, session: s.session, bold: s.bold, start: s.start, fold: i, split, target: s.target, output: outputs[k] }));
      }
      const lastRow = final.history[final.history.length - 1] ?? {};
      const v = Object.fromEntries(Object.entries(lastRow).filter(([k]) => k.startsWith('valid_'))) as Record<string, number>;
      await run.writeJson(doneFile, { clips, validation: v, ...(recalibrate ? { bias_recalibration: recalibration } : {}) });
      allClips.push(...clips);
      validation.push(v);
      recalibrations.push(recalibration);
    }
  } catch (err) {
    await run.setStatus((err as { code?: string }).code === 'E_ABORTED' ? 'interrupted' : 'failed', { error: String((err as Error).message) });
    throw err;
  }
  await run.writeJson('predictions.json', {
    format: PREDICTIONS_FORMAT, task, type: data.type, level: data.level,
    ...(data.classes && data.type !== 'regression' ? { classes: data.classes } : {}),
    clips: allClips
  });
  const subjects = {
    train: new Set(splits.flatMap(s => s.train)).size,
    validation: new Set(splits.flatMap(s => s.val)).size,
    test: new Set(splits.flatMap(s => s.test)).size
  };
  const trainable = { parameters: counts.trainable, total: counts.total, fraction: counts.total ? counts.trainable / counts.total : 0 };
  await run.writeJson('manifest.json', buildManifest({
    dataHash: data.contentHash, seeds: { run: seed, folds: seed }, provider,
    timings: { total_seconds: (Date.now() - t0) / 1000 },
    metrics: { validation },
    extra: { trainable, recipe: rec.description }
  }));
  await run.setStatus('done', { trainable, ...(recalibrate ? { bias_recalibration: recalibrations } : {}) });
  return { run: run.dir, status: 'done', task, type: data.type, validation, trainable, subjects, dropped: data.dropped };
}
