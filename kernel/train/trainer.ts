/**
 * `ns.train.trainer(model, { task, mode, batch })`: single training steps for the model family on
 * the engine (spec §5): one graph = forward + loss + backward + AdamW update, run by the runtime's
 * Trainer. It lives in train/, not models/: a model does not train itself (design.md layering).
 * Modes:
 * - `full`: every parameter the loss reaches is trained (full fine-tuning / MAE pretraining);
 * - `tpt`: Task-specific Prompt Tuning — only `*.prompt` parameters and the head (spec §5 "TPT");
 * - `probe`: the head only (linear probe on a frozen backbone; not an official mode).
 * Losses: binary cls → BCE-with-logits on one logit; multiclass → cross-entropy; reg → MSE on
 * standardized targets; mae → the masked reconstruction loss with a given mask.
 */
import { ConfigError, UsageError } from '../errors';
import type { DType } from '../graph/dtype';
import { bceWithLogits, crossEntropy, mseLoss } from '../graph/api/losses';
import { adamw, Optimizer } from '../graph/optimizers';
import { buildTrainingStep, TrainingStep } from '../graph/training';
import type { RecomputeOptions } from '../graph/recompute';
import type { Tensor } from '../graph/tensor';
import { ParameterStore } from '../runtime/param-store';
import { Trainer, StepResult } from '../runtime/trainer';
import type { HostTensor } from '../runtime/host-tensor';
import { buildBackboneGraph, buildMaeGraph, BuiltGraph } from '../models/graph/build';
import type { NeuroStormModel } from '../models/model';
import { isPromptKey } from '../models/weights/weight-set';
import type { StrdSpec } from '../models/graph/strd';
import type { ContrastiveNorm } from '../models/graph/mae';

export type TrainMode = 'tpt' | 'full' | 'probe';

export interface TrainerOptions {
  task: 'cls' | 'reg' | 'mae';
  /** `tpt`: prompts + head trainable, backbone frozen; `probe`: head only; `full`: everything (default). */
  mode?: TrainMode;
  batch: number;
  frames?: number;
  /** Default: AdamW(β 0.9/0.999, eps 1e-8, weight decay 0.01) as the official runs (spec §5). */
  optimizer?: Optimizer;
  clipGradNorm?: number;
  dtype?: DType;
  /** Scan cache blocking for the training graph (default TRAIN_SCAN_GROUP_ELEMENTS: few, large groups). */
  scanGroupElements?: number;
  /** MAE only: STRD in every encoder block (spec §2.8); each step then feeds the `strd.<block>` noise inputs. */
  strd?: StrdSpec;
  /** MAE only: weight of the subject-contrastive term (ours; models/graph/mae.ts); 0 or absent: off. */
  contrastive?: number;
  /** MAE only: the contrastive projection's normalisation ('none' default, 'batch': batch statistics). */
  contrastiveNorm?: ContrastiveNorm;
  /** MAE only: weight of the amplitude-map term (ours; models/graph/amplitude-map.ts); 0 or absent: off. */
  amplitudeMap?: number;
  /**
   * Activation recomputation in the step graph (kernel/graph/recompute.ts); default on, except for
   * TPT: there the frozen backbone's activations the backward keeps are few (the scan regions keep only
   * their small inputs), and the official TPT step measured the same peak RSS without it (2,464–2,684
   * vs 2,623–2,686 MB) at 0.94–0.96× the CPU (kernel/models/README.md, fourth pass). Full fine-tuning
   * and MAE keep it: their simulated peaks grow 2.8× and 4.5× without (`bench -- step-memory`).
   */
  recompute?: boolean | RecomputeOptions;
}

/**
 * Training graphs keep the scan in few large window groups: the gradient of each group's slice of
 * u, δ, B and C is a Pad to the whole block's size, summed over the groups, so smaller groups cost
 * memory and nodes (official TPT step simulated by `npm run bench -- step-memory`: 1.07 GiB at 2^24,
 * 2.20 GiB at 2^22, 10.5 GiB at 2^20). The groups' backwards run one after another
 * (models/selective-scan.ts), so the scan's share of the peak is one group's temporaries.
 */
export const TRAIN_SCAN_GROUP_ELEMENTS = 1 << 24;

/** The trainability rule of a mode (parameter names as declared on the graph; heads as `<kind>:...`). */
export function trainableFor(mode: TrainMode): (name: string) => boolean {
  const isHead = (name: string) => /^(cls|reg|emb):/.test(name);
  if (mode === 'probe') return isHead;
  return mode === 'full' ? () => true : name => isPromptKey(name) || isHead(name);
}

/** Builds the training-step graph of a configuration (no weights needed). */
export function buildTrainStep(model: NeuroStormModel, options: TrainerOptions): { step: TrainingStep; built: BuiltGraph } {
  const cfg = model.config;
  const mode = options.mode ?? 'full';
  if (mode !== 'full' && options.task === 'mae') throw new ConfigError(`${mode} adapts a pretrained backbone to a task head; MAE pretraining trains mode "full"`);
  if (mode === 'tpt' && !model.hasPrompts) throw new UsageError('TPT needs prompts', { hint: 'call model.withPrompts(promptLen, seed) first' });
  const dtype = options.dtype ?? 'float32';
  const trainable = trainableFor(mode);
  let built: BuiltGraph;
  let loss: Tensor;
  if (options.task === 'mae') {
    if (!model.weights.mae) throw new UsageError('no MAE weights are loaded');
    built = buildMaeGraph(cfg, { batch: options.batch, frames: options.frames, dtype, trainable, lossAsOutput: false, scanGroupElements: options.scanGroupElements ?? TRAIN_SCAN_GROUP_ELEMENTS, strd: options.strd, contrastive: options.contrastive, contrastiveNorm: options.contrastiveNorm, amplitudeMap: options.amplitudeMap });
    loss = built.outputs.loss;
  } else {
    const headCfg = cfg.heads.find(h => h.kind === options.task);
    if (!headCfg || !model.weights.heads.has(options.task)) throw new UsageError(`no ${options.task} head is loaded`);
    built = buildBackboneGraph(cfg, { batch: options.batch, frames: options.frames, prompts: model.hasPrompts, heads: [options.task], dtype, trainable, scanGroupElements: options.scanGroupElements ?? TRAIN_SCAN_GROUP_ELEMENTS });
    const logits = built.outputs[options.task];
    const g = built.graph;
    if (options.task === 'reg') loss = mseLoss(logits, g.input('target', [options.batch, 1], dtype));
    else if ((headCfg.numClasses ?? 2) === 2) loss = bceWithLogits(logits, g.input('target', [options.batch, 1], dtype));
    else loss = crossEntropy(logits, g.input('target', [options.batch], 'int64'));
  }
  const step = buildTrainingStep({
    loss,
    optimizer: options.optimizer ?? adamw({ weightDecay: 0.01 }),
    clipGradNorm: options.clipGradNorm,
    recompute: options.recompute ?? mode !== 'tpt'
  });
  return { step, built };
}

/** Runs training steps on a model; `commit()` writes the trained values back into the model. */
export class ModelTrainer {
  private constructor(
    private readonly model: NeuroStormModel,
    readonly trainer: Trainer,
    readonly task: TrainerOptions['task']
  ) {}

  static async create(model: NeuroStormModel, options: TrainerOptions): Promise<ModelTrainer> {
    const { step, built } = buildTrainStep(model, options);
    const values = model.parameterValues();
    const dtype = options.dtype ?? 'float32';
    const entries: [string, HostTensor][] = built.params.names().map(name => {
      const v = values.get(name);
      if (!v) throw new UsageError(`parameter "${name}" has no loaded value`);
      const t = step.graph.paramInfo(name)!.tensor;
      return [name, { data: dtype === 'float64' ? Float64Array.from(v) : v.slice(), shape: [...t.shape] }];
    });
    const trainer = await Trainer.create(step, new ParameterStore(entries), model.sessionOptions);
    return new ModelTrainer(model, trainer, options.task);
  }

  /** One step: `x` [B, c, X, Y, Z, T]; `target` (cls/reg) or `mask` (mae) as the second input; `extra`: other inputs (STRD noise). */
  async step(x: HostTensor, second: HostTensor, lr: number, extra: Record<string, HostTensor> = {}): Promise<StepResult> {
    const feeds: Record<string, HostTensor> = { ...extra, x, [this.task === 'mae' ? 'mask' : 'target']: second };
    return this.trainer.step(feeds, lr);
  }

  /** Copies the trained parameters into the model's weights and drops its cached inference sessions. */
  commit(): void {
    for (const t of this.trainer.spec.trained) {
      const v = this.trainer.store.get(t.param.name);
      this.model.setParameter(t.param.name, Float32Array.from(v.data as Float32Array | Float64Array));
    }
    this.model.invalidate();
  }

  /** Optimizer steps taken (restored by loadOptimizerState). */
  get stepCount(): number {
    return this.trainer.store.step;
  }

  /** Trained and total parameter element counts (the "fraction of trainable parameters"). */
  parameterCounts(): { trainable: number; total: number } {
    const size = (name: string) => this.trainer.store.get(name).data.length;
    const trainable = this.trainer.spec.trained.reduce((a, t) => a + size(t.param.name), 0);
    const total = this.trainer.spec.graph.params.reduce((a, p) => a + size(p.tensor.name), 0);
    return { trainable, total };
  }

  /** Writes the optimizer moments and the step count (safetensors, atomic). */
  async saveOptimizerState(file: string): Promise<void> {
    const names = this.trainer.spec.trained.flatMap(t => t.state.map(s => s.input.name));
    const store = new ParameterStore(names.map(n => [n, this.trainer.store.get(n)] as [string, HostTensor]));
    store.step = this.trainer.store.step;
    await store.save(file, { kind: 'neurostorm-optimizer-state' });
  }

  /** Restores what saveOptimizerState wrote (checked against this step's graph: names, shapes, completeness). */
  async loadOptimizerState(file: string): Promise<void> {
    const saved = await ParameterStore.load(file, { step: this.trainer.spec });
    for (const t of this.trainer.spec.trained) for (const s of t.state) this.trainer.store.set(s.input.name, saved.get(s.input.name));
    this.trainer.store.step = saved.step;
  }
}

/** `ns.train.trainer(model, { task, mode, batch })`: a single-step runner with `.step(x, target, lr)` and `.commit()`. */
export function trainer(model: NeuroStormModel, options: TrainerOptions): Promise<ModelTrainer> {
  return ModelTrainer.create(model, options);
}
