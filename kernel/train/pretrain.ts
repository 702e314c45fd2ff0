/**
 * `ns.train.pretrain` (`neurostorm pretrain`): MAE pretraining (spec §3) on a BIDS dataset's clips,
 * from scratch or from official or own weights, with any mask family of mae-masks.ts, writing a run
 * folder like finetune (kind "pretrain", task "mae"). Validation is the masked loss on held-out
 * subjects' clips with fixed masks (seeded per clip), so epochs compare like with like.
 * Training steps augment each clip as the official code always does (./augment.ts: affine, noise,
 * smooth; `augment: 'affine' | 'intensity'` restricts the set, `false` turns it off); validation never
 * does. `strd` adds STRD to every encoder block of the training graph (spec §2.8,
 * models/graph/strd.ts), its Bernoulli draws fed per step from the seeded generator.
 * Where we differ from the official code: the held-out subjects are a seeded 15% split (official: its
 * fixed split files); augmentation and STRD draws come from our generator, not torch/MONAI streams.
 * `contrastive` (λ > 0) adds a subject-contrastive term that is ours, not the official code's (its
 * `--use_contrastive` works for SwiFT only and is non-functional for NeuroSTORM, spec §3): batches of
 * B/2 subjects × 2 different clips (./pair-batches.ts), λ × NT-Xent (τ 0.1) on the pooled encoder
 * output of the masked forward through an EmbHead fc1 (models/graph/mae.ts), and the validation rows
 * gain `valid_contrastive`. kernel/train/README.md, "Subject-contrastive pretraining", says why.
 * `amplitudeMap` (λ > 0; ours too) adds λ × the amplitude-map loss (models/graph/amplitude-map.ts):
 * the pooled encoder output of the masked forward, through a fresh cls head with one output per patch
 * (weight 0, bias the training clips' mean map: ./amplitude-map.ts amplitudeMeanMap says why),
 * predicts the unmasked input's centred regional log amplitudes; the validation rows gain
 * `valid_amplitude_map` (./amplitude-map.ts), the manifest the best constant map's loss beside it.
 * `gainField` (ours too) multiplies each training clip, after the other augmentation, by a smooth
 * random gain field (./augment.ts gainFieldBatch), drawn per step and sample from its own fork.
 */
import * as path from 'path';
import { UsageError } from '../errors';
import { splitSubjects, Splits } from '../data/splits';
import type { NeuroStormModel } from '../models/model';
import { assembleWeightSet } from '../models/weights/weight-set';
import { NeuroStormModel as Model } from '../models/model';
import { batches } from '../data/sampler';
import { Random } from '../random';
import { deriveSizes } from '../models/config';
import { STRD_DEFAULTS, StrdSpec, strdInputs } from '../models/graph/strd';
import type { HostTensor } from '../runtime/host-tensor';
import { augmentBatch, AugmentSet, GainFieldSpec, gainFieldBatch, gainFieldSpec } from './augment';
import type { SessionOptions } from '../runtime/session';
import type { LongWorkOptions } from '../progress';
import { cleanPartial, freshState, hasCheckpoint, LoopState, readCheckpoint, restoreOptimizer } from './checkpoint';
import { runLoop, TrainProgressEvent } from './loop';
import { maeConfigFor, maskSampler, MaskSampler, MaskSpec, SpatialMask, TimeMask } from './mae-masks';
import { buildManifest } from './manifest';
import { InputScaleOption, inputRecord, recipe as makeRecipe, resolveConfig, resolveInput } from './presets';
import { RUN_FORMAT, RunFolder, RunInput, RunRecord, SplitRecord } from './run-folder';
import { labelledClips, Sample, sampleClip } from './samples';
import { startingModel, withFreshHead, withMae } from './starting-model';
import { checkPairBatches, pairEpochOrder } from './pair-batches';
import { CONTRASTIVE_EMBEDDING, contrastiveValidation, contrastiveWeight } from './contrastive';
import type { ContrastiveNorm } from '../models/graph/mae';
import type { HeadConfig } from '../models/config';
import type { HeadKind } from '../models/weights/weight-set';
import { amplitudeHead, amplitudeMapValidation, amplitudeMapWeight, amplitudeMeanMap } from './amplitude-map';
import { trainer as makeTrainer } from './trainer';

export interface PretrainOptions extends Omit<LongWorkOptions, 'onProgress'> {
  /**
   * Input gain (ResolvedConfig.scale): a number, or 'unit' for 1 / RMS of the centred training
   * input. Opt-in; without it a run starting from a run keeps that run's gain, else 1.
   */
  inputScale?: InputScaleOption;
  data: string;
  out: string;
  config?: string;
  from?: string;
  seed?: number;
  resume?: boolean;
  spatialMask?: SpatialMask;
  timeMask?: TimeMask;
  maskRatio?: number;
  /**
   * Spatiotemporal redundancy dropout (spec §2.8) in every encoder block of training steps: `true`
   * for the official neighbourhoods (5, 5), or their edge lengths. Default off, as the official code.
   */
  strd?: boolean | Partial<StrdSpec>;
  /** Training-step augmentation (spec §3): 'all' (default, as the official code), 'affine', 'intensity', or false. */
  augment?: AugmentSet | false;
  /**
   * Start of a fresh MAE decoder's output layer (decoder_pred): 'zero' (weight and bias 0, so the
   * first reconstruction is the trivial one, every voxel at its clip mean) or 'official' (PyTorch's
   * Linear init, spec §1). Only a freshly initialised MAE part is touched; MAE weights loaded with
   * `from` are kept. See DECODER_INIT_DEFAULT for why and the figures.
   */
  decoderInit?: DecoderInit;
  /**
   * Weight λ ≥ 0 of the subject-contrastive term (ours; see the file comment). Default 0: the MAE
   * alone, exactly as before. λ > 0 needs an even batch ≥ 4 and training subjects with ≥ 2 clips.
   */
  contrastive?: number;
  /**
   * The contrastive projection's normalisation before L2: 'none' (default) or 'batch' (the EmbHead's
   * BatchNorm1d with batch statistics; models/graph/mae.ts contrastiveLoss says why both exist).
   */
  contrastiveNorm?: ContrastiveNorm;
  /**
   * Weight λ ≥ 0 of the amplitude-map term (ours; see the file comment). Default 0: the MAE alone,
   * exactly as before. The projection (a cls head with one output per patch) starts fresh unless the
   * starting weights carry one of that width (continuing such a run), and is saved with the model.
   */
  amplitudeMap?: number;
  /**
   * Multiplicative gain-field augmentation of training clips (ours; ./augment.ts gainFieldBatch):
   * log-gain in-brain sd `strength`, Gaussian σ `scale` voxels. Default none. Recorded in run.json
   * as `gain_field`; a resumed run keeps its own.
   */
  gainField?: GainFieldSpec;
  /** Atlas for `spatialMask: 'atlas'` (default: the embedded atlas). */
  atlas?: string;
  recipe?: 'default' | 'official';
  lr?: number;
  epochs?: number;
  batch?: number;
  patience?: number | null;
  cacheDir?: string;
  session?: SessionOptions;
  checkpointEvery?: number;
  onProgress?: (event: TrainProgressEvent) => void;
}

export interface PretrainResult {
  run: string;
  status: 'done';
  /** Masked loss on the held-out clips before and after pretraining. */
  initialValidLoss: number;
  finalValidLoss: number;
  /** With a contrastive term: NT-Xent on the held-out subjects' clip pairs before and after (else absent). */
  initialValidContrastive?: number;
  finalValidContrastive?: number;
  /** With an amplitude-map term: its held-out loss before and after (else absent). */
  initialValidAmplitudeMap?: number;
  finalValidAmplitudeMap?: number;
  history: Record<string, number>[];
}

export type DecoderInit = 'zero' | 'official';

/**
 * Where we differ from the official code (its decoder_pred keeps PyTorch's Linear init): measured on
 * the CPU configuration (kernel/train/README.md, "Why the MAE learned nothing"; `npm run bench --
 * pretrain-overfit`), a fresh decoder's output has 2-55x the energy of the centred target, and the
 * first hundred steps shrink the output path until the encoder's gradient is 1e-4 of the decoder's:
 * the run ends exactly at the trivial loss (decoder output 0), on training and held-out clips. Started
 * at 0 the output layer has nothing to unlearn and grows along the features that predict the target.
 */
export const DECODER_INIT_DEFAULT: DecoderInit = 'official';

/** Zeroes decoder_pred (weight and bias) of a model with MAE weights: the trivial reconstruction. */
export function zeroDecoderOutput(model: NeuroStormModel): void {
  const values = model.parameterValues();
  for (const name of ['decoder_pred.weight', 'decoder_pred.bias']) model.setParameter(name, new Float32Array(values.get(name)!.length));
}

/** Mean masked loss of `model` on `samples`, each clip with its own fixed mask (seeded by index). */
export async function maskedLoss(model: NeuroStormModel, samples: readonly Sample[], sampler: MaskSampler, options: { batch: number; pool: number; centre: boolean; scale: number; seed: number }): Promise<number> {
  let sum = 0;
  let i = 0; // index of the batch's first clip: each clip's mask is seeded by its index
  for await (const batch of batches(samples.map(sampleClip), { batchSize: options.batch, padLast: true, pool: options.pool, centre: options.centre, scale: options.scale })) {
    const masks = batch.clips.map((_, k) => sampler(1, new Random(options.seed).fork(`valid-mask-${i + k}`)));
    const units = masks[0].shape[1];
    const mask = { data: new Float32Array(batch.clips.length * units), shape: [batch.clips.length, units] };
    masks.forEach((m, k) => mask.data.set(m.data, k * units));
    const r = await model.maeLoss({ data: batch.data, shape: batch.shape }, mask);
    // Per clip: Σ(unit loss · mask) / Σ mask, so padding and batch composition do not change it.
    for (let b = 0; b < batch.count; b++) {
      let num = 0;
      let den = 0;
      for (let u = 0; u < units; u++) {
        num += r.unitLoss.data[b * units + u] * mask.data[b * units + u];
        den += mask.data[b * units + u];
      }
      sum += num / den;
    }
    i += batch.count;
  }
  return sum / samples.length;
}

/** The STRD option as neighbourhood edge lengths (null = off), checked. */
export function strdSpec(option: PretrainOptions['strd']): StrdSpec | null {
  if (option === undefined || option === false) return null;
  const given = option === true ? {} : option;
  const spec: StrdSpec = { spatial: given.spatial ?? STRD_DEFAULTS.spatial, temporal: given.temporal ?? STRD_DEFAULTS.temporal };
  for (const [k, v] of Object.entries(spec)) {
    if (!Number.isSafeInteger(v) || v < 1 || v > 64) throw new UsageError(`strd ${k} neighbourhood must be a whole number from 1 to 64, got ${v}`, { hint: 'the official default is 5 (an edge of 5 tokens: ±2)' });
  }
  return spec;
}

/** Uniform noise for every STRD input of a step, each from its own fork (so the draws do not depend on order). */
function strdNoise(inputs: ReturnType<typeof strdInputs>, rng: Random): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const inp of inputs) {
    const r = rng.fork(inp.name);
    const data = new Float32Array(inp.shape[0] * inp.shape[1]);
    for (let i = 0; i < data.length; i++) data[i] = r.next();
    feeds[inp.name] = { data, shape: [...inp.shape] };
  }
  return feeds;
}

/**
 * The model with the MAE configuration of the mask family (window graph or token graph), keeping the
 * heads of `keep` (the terms' projections: emb for the contrastive term, cls for the amplitude map);
 * with none kept no head travels, as before.
 */
function withMaskConfig(model: NeuroStormModel, spec: MaskSpec, keep: readonly HeadKind[] = []): NeuroStormModel {
  const cfg = maeConfigFor(model.config, spec);
  const kinds = keep.filter(k => model.weights.heads.has(k));
  const heads = new Map(kinds.map(k => [k, model.weights.heads.get(k)!]));
  const headCfg = kinds.length ? cfg.heads.filter(h => kinds.includes(h.kind)) : cfg.heads;
  return new Model(assembleWeightSet({ ...cfg, heads: headCfg }, model.weights.backbone, model.weights.mae, heads, model.weights.source), model.sessionOptions);
}

/** The model with a fresh `head` (withFreshHead's seeded official init) added beside its other heads. */
function addFreshHead(model: NeuroStormModel, head: HeadConfig, seed: number): NeuroStormModel {
  const fresh = withFreshHead(model, head, seed, true).weights.heads.get(head.kind)!;
  const heads = new Map(model.weights.heads);
  heads.set(head.kind, fresh);
  const cfg = { ...model.config, heads: [...model.config.heads.filter(h => h.kind !== head.kind), head] };
  return new Model(assembleWeightSet(cfg, model.weights.backbone, model.weights.mae, heads, model.weights.source), model.sessionOptions);
}

export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const t0 = Date.now();
  // Options are checked before the run folder is touched.
  const strdOption = strdSpec(options.strd);
  const augmentOption = options.augment ?? 'all';
  const contrastiveOption = contrastiveWeight(options.contrastive);
  const amplitudeOption = amplitudeMapWeight(options.amplitudeMap);
  const gainOption = gainFieldSpec(options.gainField);
  if (augmentOption !== false && !['all', 'affine', 'intensity'].includes(augmentOption)) throw new UsageError(`unknown augmentation set "${augmentOption}"`, { hint: 'all, affine, intensity, or off' });
  const run = new RunFolder(options.out);
  const resume = options.resume === true;
  run.prepare(resume);
  const prior = resume ? run.readJson<RunRecord>('run.json') : null;
  if (prior && prior.kind !== 'pretrain') throw new UsageError(`${run.file('run.json')} is a ${prior.kind} run; resume it with neurostorm ${prior.kind}`);
  const seed = prior?.seed ?? options.seed ?? 0;
  const spec: MaskSpec = (prior?.mask as MaskSpec | undefined) ?? { spatial: options.spatialMask ?? 'window', time: options.timeMask ?? 'random', ratio: options.maskRatio ?? 0.5 };
  if (!['window', 'random', 'atlas'].includes(spec.spatial) || !['random', 'tube'].includes(spec.time)) {
    throw new UsageError(`unknown mask ${spec.spatial}+${spec.time}`, { hint: 'spatial: window, random, atlas; time: random, tube' });
  }
  const strd = prior ? ((prior.strd as StrdSpec | null | undefined) ?? null) : strdOption;
  const decoderInit: DecoderInit = (prior?.decoder_init as DecoderInit | undefined) ?? options.decoderInit ?? DECODER_INIT_DEFAULT;
  if (decoderInit !== 'zero' && decoderInit !== 'official') throw new UsageError(`unknown decoder init "${decoderInit}"`, { hint: 'zero or official' });
  // runs written before the term existed had none: 0
  const contrastive = prior ? ((prior.contrastive as number | undefined) ?? 0) : contrastiveOption;
  const contrastiveNorm: ContrastiveNorm = (prior?.contrastive_norm as ContrastiveNorm | undefined) ?? options.contrastiveNorm ?? 'none';
  if (contrastiveNorm !== 'none' && contrastiveNorm !== 'batch') throw new UsageError(`unknown contrastive norm "${contrastiveNorm}"`, { hint: 'none or batch' });
  // runs written before the term existed had none: 0
  const amplitudeMap = prior ? ((prior.amplitude_map as number | undefined) ?? 0) : amplitudeOption;
  // runs written before the option existed had none
  const gainField = prior ? gainFieldSpec(prior.gain_field as GainFieldSpec | null | undefined) : gainOption;
  const keepHeads: HeadKind[] = [...(contrastive > 0 ? ['emb' as const] : []), ...(amplitudeMap > 0 ? ['cls' as const] : [])];
  const augment: AugmentSet | false = prior ? ((prior.augment as AugmentSet | false | undefined) ?? false) : augmentOption;
  const rec = makeRecipe((prior?.recipe as 'default' | 'official' | undefined) ?? options.recipe ?? 'default', 'pretrain', {
    lr: (prior?.lr as number) ?? options.lr, epochs: (prior?.epochs as number) ?? options.epochs, batch: (prior?.batch as number) ?? options.batch,
    patience: prior ? (prior.patience as number | null) : options.patience
  });
  const configArg = (prior?.config_arg as string | undefined) ?? options.config;
  const data = await labelledClips(prior?.data ?? options.data, 'mae', { cacheDir: prior?.cache ?? options.cacheDir, signal: options.signal });
  const split: Splits = prior
    ? (() => {
        const f = run.readJson<SplitRecord>('split.json').folds[0];
        return { train: f.train, val: f.validation, test: f.test };
      })()
    : splitSubjects(data.strata, { seed, fractions: { train: 0.85, val: 0.15, test: 0 } });
  if (split.val.length === 0 || split.train.length === 0) throw new UsageError(`pretraining needs held-out subjects: ${data.strata.size} subjects give ${split.train.length} train / ${split.val.length} validation`, { hint: 'use a dataset with 2 or more subjects' });
  const trainSet = new Set(split.train);
  const valSet = new Set(split.val);
  const train = data.samples.filter(s => trainSet.has(s.subject));
  const validation = data.samples.filter(s => valSet.has(s.subject));
  const start = await startingModel({ from: (prior?.from as string | null | undefined) ?? options.from, config: resolveConfig(configArg ?? 'cpu'), explicitConfig: configArg !== undefined, seed, mae: true, session: options.session });
  const resolved = await resolveInput(start.config, prior?.input as RunInput | undefined, options.inputScale, train);
  const frames = train[0].frames;
  const sampler = await maskSampler(resolved.config, spec, frames, options.atlas);
  const batch = contrastive > 0 ? rec.batch : Math.min(rec.batch, train.length);
  const pairSteps = contrastive > 0 ? checkPairBatches(train, batch, data.dataset.root) : 0;
  if (!prior) {
    await run.writeJson('run.json', {
      format: RUN_FORMAT, kind: 'pretrain', task: 'mae', type: 'mae', level: 'clip', mode: null, config: resolved.name,
      data: data.dataset.root, cache: data.cacheDir, seed, folds: null, status: 'running',
      config_arg: configArg ?? null, from: start.from, mask: spec, strd, augment, decoder_init: decoderInit, contrastive, ...(contrastive > 0 ? { contrastive_norm: contrastiveNorm } : {}), ...(amplitudeMap > 0 ? { amplitude_map: amplitudeMap } : {}), ...(gainField ? { gain_field: gainField } : {}), recipe: rec.name, recipe_description: rec.description,
      lr: rec.lr, epochs: rec.epochs, batch: rec.batch, patience: rec.patience, input: inputRecord(resolved)
    } satisfies RunRecord);
    await run.writeJson('split.json', { folds: [{ train: split.train, validation: split.val, test: [] }] } satisfies SplitRecord);
    await run.writeJson('samples.json', { type: 'mae', level: 'clip', samples: data.samples.map(s => ({ subject: s.subject, session: s.session, bold: s.bold, start: s.start, frames: s.frames, target: null })), dropped: data.dropped });
  } else {
    cleanPartial(run.dir);
    await run.setStatus('running');
  }
  const ckDir = run.file('checkpoints');
  const last = path.join(ckDir, 'last');
  const resumed = resume && hasCheckpoint(last);
  let model: NeuroStormModel;
  let state: LoopState;
  let initialValidLoss: number;
  let initialValidContrastive: number | null = null;
  let initialValidAmplitude: { loss: number; constant: number } | null = null;
  const validate = (m: NeuroStormModel) => maskedLoss(m, validation, sampler, { batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale, seed });
  const validateAmplitude = (m: NeuroStormModel) => (amplitudeMap > 0 ? amplitudeMapValidation(m, validation, { batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale }) : Promise.resolve(null));
  const validateContrastive = (m: NeuroStormModel) => (contrastive > 0 ? contrastiveValidation(m, validation, { batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale, norm: contrastiveNorm }) : Promise.resolve(null));
  if (resumed) {
    const ck = await readCheckpoint(last, options.session);
    model = withMaskConfig(ck.model, spec, keepHeads);
    state = ck.state;
    initialValidLoss = ck.extra.initialValidLoss as number;
    initialValidContrastive = (ck.extra.initialValidContrastive as number | null | undefined) ?? null;
    initialValidAmplitude = (ck.extra.initialValidAmplitude as { loss: number; constant: number } | null | undefined) ?? null;
  } else {
    const withParts = withMae(start.model, seed);
    // the projection: a loaded emb head is kept (continuing contrastive pretraining), else fresh
    const projected = contrastive > 0 && !withParts.weights.heads.has('emb') ? withFreshHead(withParts, { kind: 'emb', embeddingSize: CONTRASTIVE_EMBEDDING }, seed, true) : withParts;
    // the amplitude projection: a loaded cls head of the patch grid's width is kept, else fresh
    const ampHead = amplitudeHead(projected.config);
    const loadedAmp = projected.config.heads.some(h => h.kind === 'cls' && h.numClasses === ampHead.numClasses) && projected.weights.heads.has('cls');
    const withAmp = amplitudeMap > 0 && !loadedAmp ? addFreshHead(projected, ampHead, seed) : projected;
    model = withMaskConfig(withAmp, spec, keepHeads);
    if (amplitudeMap > 0 && !loadedAmp) {
      // a fresh projection starts at the training clips' mean map, weight 0 (amplitudeMeanMap says why)
      const bias = await amplitudeMeanMap(train, model.config.patchSize, { batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale });
      model.setParameter('cls:output_head.head.head.bias', bias);
      model.setParameter('cls:output_head.head.head.weight', new Float32Array(model.parameterValues().get('cls:output_head.head.head.weight')!.length));
    }
    // a fresh MAE part only: no `from`, or weights without MAE parts (withMae initialised them)
    if (decoderInit === 'zero' && (!start.from || !start.model.weights.mae)) zeroDecoderOutput(model);
    state = freshState();
    initialValidLoss = await validate(model);
    initialValidContrastive = await validateContrastive(model);
    initialValidAmplitude = await validateAmplitude(model);
  }
  const tr = await makeTrainer(model, { task: 'mae', mode: 'full', batch, frames, optimizer: rec.optimizer, clipGradNorm: rec.clipGradNorm, strd: strd ?? undefined, contrastive, contrastiveNorm, amplitudeMap });
  if (resumed) await restoreOptimizer(last, tr);
  const events = run.readJsonl<Record<string, unknown>>('events.jsonl').filter(e => (e.step as number) <= state.step);
  const root = new Random(seed);
  let unaugmented: HostTensor | null = null;
  const perEpoch = contrastive > 0 ? pairSteps : Math.floor(train.length / batch);
  try {
    state = await runLoop(
      {
        run, checkpoints: ckDir, model, trainer: tr, train, batch, pool: resolved.pool, centre: resolved.centre, scale: resolved.scale, seed, epochs: rec.epochs,
        schedule: rec.schedule(perEpoch * rec.epochs), patience: rec.patience,
        order: contrastive > 0 ? epoch => pairEpochOrder(train, seed, epoch, batch) : undefined,
        feed: (clips, step) => sampler(clips.length, root.fork(`mask-${step}`)),
        extraFeeds: strd || amplitudeMap > 0
          ? (_, step) => ({
              ...(strd ? strdNoise(strdInputs(deriveSizes(model.config, frames), batch), root.fork(`strd-${step}`)) : {}),
              ...(amplitudeMap > 0 ? { amplitude_x: unaugmented! } : {})
            })
          : undefined,
        // the amplitude-map target is computed from the clip before augmentation (models/graph/amplitude-map.ts)
        augment: augment || amplitudeMap > 0 || gainField
          ? (x, _, step) => {
              unaugmented = x;
              const y = augment ? augmentBatch(x, augment, b => root.fork(`augment-${step}-${b}`)) : x;
              return gainField ? gainFieldBatch(y, gainField, b => root.fork(`gain-${step}-${b}`)) : y;
            }
          : undefined,
        validate: async m => {
          const con = await validateContrastive(m);
          const amp = await validateAmplitude(m);
          const extra = { ...(con === null ? {} : { contrastive: con }), ...(amp === null ? {} : { amplitude_map: amp.loss }) };
          return { name: 'masked_loss', value: await validate(m), higherIsBetter: false, extra: Object.keys(extra).length ? extra : undefined };
        },
        extra: { initialValidLoss, ...(contrastive > 0 ? { initialValidContrastive } : {}), ...(amplitudeMap > 0 ? { initialValidAmplitude } : {}) }, events, label: 'pretrain', checkpointEvery: options.checkpointEvery, signal: options.signal, onProgress: options.onProgress
      },
      state
    );
  } catch (err) {
    await run.setStatus((err as { code?: string }).code === 'E_ABORTED' ? 'interrupted' : 'failed', { error: String((err as Error).message) });
    throw err;
  }
  const finalValidLoss = state.history.length ? (state.history[state.history.length - 1].valid_masked_loss as number) : initialValidLoss;
  const finalValidContrastive = state.history.length ? (state.history[state.history.length - 1].valid_contrastive as number | undefined) : initialValidContrastive ?? undefined;
  const finalValidAmplitude = state.history.length ? (state.history[state.history.length - 1].valid_amplitude_map as number | undefined) : initialValidAmplitude?.loss;
  const contrastiveMetrics = {
    ...(initialValidContrastive === null ? {} : { initial_valid_contrastive: initialValidContrastive, final_valid_contrastive: finalValidContrastive ?? null }),
    ...(initialValidAmplitude === null
      ? {}
      : { initial_valid_amplitude_map: initialValidAmplitude.loss, final_valid_amplitude_map: finalValidAmplitude ?? null, valid_amplitude_map_constant: initialValidAmplitude.constant })
  };
  await run.writeJson('manifest.json', buildManifest({
    dataHash: data.contentHash, seeds: { run: seed }, provider: tr.trainer.provider,
    timings: { total_seconds: (Date.now() - t0) / 1000 },
    metrics: { initial_valid_masked_loss: initialValidLoss, final_valid_masked_loss: finalValidLoss, best_valid_masked_loss: state.best, ...contrastiveMetrics },
    extra: { mask: spec, strd, augment, ...(contrastive > 0 ? { contrastive } : {}), ...(amplitudeMap > 0 ? { amplitude_map: amplitudeMap } : {}), ...(gainField ? { gain_field: gainField } : {}), recipe: rec.description }
  }));
  await run.setStatus('done', { initial_valid_masked_loss: initialValidLoss, ...contrastiveMetrics });
  const con = initialValidContrastive === null ? {} : { initialValidContrastive, finalValidContrastive };
  const amp = initialValidAmplitude === null ? {} : { initialValidAmplitudeMap: initialValidAmplitude.loss, finalValidAmplitudeMap: finalValidAmplitude };
  return { run: run.dir, status: 'done', initialValidLoss, finalValidLoss, ...con, ...amp, history: state.history };
}
